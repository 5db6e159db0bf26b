/**
 * One SVG bar chart per benchmark, rendered in Node by Apache ECharts' server-side SVG renderer
 * (no browser, no canvas, no DOM).
 */
import * as echarts from 'echarts';
import type { ChartSpec } from './context.js';

const WIDTH = 900;
const HEIGHT = 480;

export function renderChart(spec: ChartSpec, subtitle: string): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      title: { text: spec.title, subtext: subtitle, left: 'center' },
      legend: { bottom: 0 },
      grid: { left: 90, right: 30, top: 80, bottom: 110 },
      tooltip: {},
      xAxis: { type: 'category', data: [...spec.categories], axisLabel: { interval: 0, width: Math.floor((WIDTH - 120) / Math.max(1, spec.categories.length)) - 8, overflow: 'break' } },
      yAxis: { type: 'value', name: spec.unit },
      series: spec.series.map((s) => ({ type: 'bar', name: s.name, data: [...s.values], ...(spec.stacked ? { stack: 'total' } : {}) })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
