// Bundles src/main.js into dist/app-HASH.js (an ES module) and copies index.html
// and app.css. Code splitting: ECharts (src/echarts-setup.js, reached only by
// a dynamic import() in src/charts.js) goes to its own chunk, fetched when the
// first chart is drawn, so pages render their data without parsing it.
// The output is flat: every file directly in dist/, because the server
// serves only the regular files directly in that folder.
// Works offline after `npm ci`: no CDN, no web fonts.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const options = {
  entryPoints: { app: path.join(src, 'main.js') },
  outdir: dist,
  // Flat names, each with its content's hash (the server lets browsers keep
  // hashed files; index.html, which names them, is revalidated):
  // dist/app-HASH.js; dist/echarts-setup-HASH.js for the dynamic import;
  // dist/chunk-HASH.js for code shared between them, if any.
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  sourcemap: false,
  treeShaking: true,
  logLevel: 'warning',
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"', __DEV__: 'false' },
};

const result = await build(options);
for (const out of Object.keys(result.metafile.outputs)) {
  if (path.dirname(path.resolve(root, out)) !== dist) throw new Error(`build output outside dist/: ${out}`);
}

// index.html: app.js's static imports (a small chunk of esbuild's helpers
// shared with the ECharts chunk) get a <link rel="modulepreload">, so they
// download with app.js instead of after it. The ECharts chunk gets none: it
// would compete with app.js and the page's first API calls.
const appOut = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint && path.resolve(root, o.entryPoint) === path.join(src, 'main.js'));
if (!appOut || !/^app-[A-Z0-9]+\.js$/.test(path.basename(appOut[0]))) throw new Error('no dist/app-HASH.js in the build output');
const preloads = appOut[1].imports.filter((i) => i.kind === 'import-statement').map((i) => path.basename(i.path));
const script = '<script type="module" src="app.js"></script>';
let html = await readFile(path.join(src, 'index.html'), 'utf8');
if (!html.includes(script)) throw new Error(`src/index.html has no ${script}`);
const hashed = `<script type="module" src="${path.basename(appOut[0])}"></script>`;
html = html.replace(script, [hashed, ...preloads.map((f) => `<link rel="modulepreload" href="${f}">`)].join('\n'));
await writeFile(path.join(dist, 'index.html'), html);
await copyFile(path.join(src, 'app.css'), path.join(dist, 'app.css'));

for (const f of (await readdir(dist)).sort()) {
  const { size } = await stat(path.join(dist, f));
  console.log(`dist/${f}  ${(size / 1024).toFixed(1)} KiB`);
}
