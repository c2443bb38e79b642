// Bundles src/main.js into dist/app.js and copies index.html and app.css.
// Works offline after `npm ci`: no CDN, no web fonts.
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const options = {
  entryPoints: [path.join(src, 'main.js')],
  outfile: path.join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  sourcemap: false,
  treeShaking: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', __DEV__: 'false' },
};

await build(options);
await copyFile(path.join(src, 'index.html'), path.join(dist, 'index.html'));
await copyFile(path.join(src, 'app.css'), path.join(dist, 'app.css'));

for (const f of ['app.js', 'app.css', 'index.html']) {
  const { size } = await stat(path.join(dist, f));
  console.log(`dist/${f}  ${(size / 1024).toFixed(1)} KiB`);
}
