// The ECharts part of the charts: tree-shaken (bar, line, graph; grid and
// tooltip), SVG renderer. Loaded on demand by charts.js (a dynamic import(),
// so esbuild puts it and ECharts in their own chunk): a page renders its
// data without waiting for ECharts to download, parse and run.
import { init, use } from 'echarts/core';
import { BarChart, LineChart, GraphChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GraphChart, GridComponent, TooltipComponent, SVGRenderer]);

export { init };
