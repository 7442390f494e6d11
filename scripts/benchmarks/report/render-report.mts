/**
 * The report of `./scripts/bench report` as Markdown and as one self-contained HTML page whose
 * charts are drawn by Chart.js, inlined from node_modules so the page works offline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportData, ServerSide } from './report-data.mts';
import { escapeHtml, htmlTable, markdownTable } from './tables.mts';

const chartJs = (root: string): string =>
  // `</script` inside the library would end the inline script early.
  readFileSync(join(root, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'), 'utf8').replaceAll('</script', '<\\/script');

const percent = (rate: number | null): string => (rate === null ? '–' : `${(rate * 100).toFixed(1)} %`);
const milliseconds = (ms: number | null): string => (ms === null ? '–' : `${ms} ms`);

/** The server side as table rows (cells as text): one source for Markdown and HTML. */
function serverTables(server: ServerSide): { heading: string; intro: string; routes: string[][]; cache: string[][] } {
  return {
    heading: 'Server side (/metrics/summary)',
    intro: `Over ${server.window}. Event-loop lag p99 (the highest of any process): ${server.eventLoopLagP99Ms} ms.`,
    routes: [
      ['route', 'requests', 'req/s', 'p95', '5xx'],
      ...server.routes.map((route) => [route.route, String(route.requests), route.requestsPerSecond.toFixed(1), milliseconds(route.p95Ms), percent(route.errorRate)]),
    ],
    cache: [['cache', 'hit rate', 'hits', 'misses'], ...server.cache.map((kind) => [kind.kind, percent(kind.hitRate), String(kind.hits), String(kind.misses)])],
  };
}

function serverMarkdown(server: ServerSide): string[] {
  const { heading, intro, routes, cache } = serverTables(server);
  return [`## ${heading}`, '', intro, '', ...markdownTable(routes), '', ...markdownTable(cache), ''];
}

function serverHtml(server: ServerSide): string {
  const { heading, intro, routes, cache } = serverTables(server);
  return `<h2>${escapeHtml(heading)}</h2><p>${escapeHtml(intro)}</p>${htmlTable(routes)}${htmlTable(cache)}\n`;
}

export function renderMarkdown(data: ReportData): string {
  const lines = [
    `# Performance report, ${data.date}`,
    '',
    `Commit ${data.commit}; ${data.machine}; ${Object.entries(data.versions).map(([name, version]) => `${name} ${version}`).join(', ')}.`,
    `Generator: ${data.generator}. The run took ${Math.round(data.durationSeconds)} s.`,
    '',
    '| row | compares | value | measurements |',
    '|---|---|---|---|',
    ...data.rows.map((row) => `| ${row.id} | ${row.compares} | ${row.value} | ${row.detail} |`),
    '',
    '## Throughput (median round)',
    '',
    '| configuration | req/s | p95 |',
    '|---|---|---|',
    ...data.throughput.map((bar) => `| ${bar.label} | ${bar.requestsPerSecond} | ${bar.p95Ms} ms |`),
    '',
    '## Mix: rate search (p95 ≤ 100 ms)',
    '',
    '| offered rate | achieved | p95 | failed |',
    '|---|---|---|---|',
    ...data.mix.map((step) => `| ${step.rate}/s | ${step.achieved}/s | ${step.p95Ms} ms | ${step.failed} |`),
    '',
    ...(data.server ? serverMarkdown(data.server) : []),
    '## Notes',
    '',
    ...data.notes.map((note) => `- ${note}`),
    '',
  ];
  return lines.join('\n');
}

/** The three charts: throughput per configuration, the spike's percentiles over time, the mix's p95 per rate. */
function chartConfigs(data: ReportData): Record<string, unknown> {
  return {
    throughput: {
      type: 'bar',
      data: { labels: data.throughput.map((bar) => bar.label), datasets: [{ label: 'requests/s', data: data.throughput.map((bar) => bar.requestsPerSecond), backgroundColor: '#4e79a7' }] },
      options: { indexAxis: 'y', animation: false },
    },
    spike: {
      type: 'line',
      data: {
        labels: data.spike.map((point) => point.second),
        datasets: [
          { label: 'p50 ms', data: data.spike.map((point) => point.p50Ms), borderColor: '#59a14f' },
          { label: 'p95 ms', data: data.spike.map((point) => point.p95Ms), borderColor: '#f28e2b' },
          { label: 'p99 ms', data: data.spike.map((point) => point.p99Ms), borderColor: '#e15759' },
          { label: 'target rate/s', data: data.spike.map((point) => point.targetRate), borderColor: '#bab0ac', yAxisID: 'rate' },
        ],
      },
      options: { animation: false, scales: { x: { title: { display: true, text: 'second' } }, y: { title: { display: true, text: 'ms' } }, rate: { position: 'right', title: { display: true, text: 'requests/s' } } } },
    },
    mix: {
      type: 'line',
      data: { labels: data.mix.map((step) => step.rate), datasets: [{ label: 'p95 ms', data: data.mix.map((step) => step.p95Ms), borderColor: '#76b7b2' }] },
      options: { animation: false, scales: { x: { title: { display: true, text: 'offered requests/s' } } } },
    },
  };
}

export function renderHtml(data: ReportData, root: string): string {
  const rows = data.rows.map((row) => `<tr><td>${row.id}</td><td>${escapeHtml(row.compares)}</td><td><b>${escapeHtml(row.value)}</b></td><td>${escapeHtml(row.detail)}</td></tr>`).join('\n');
  // JSON in a script block: `<` escaped so no value can close the block.
  const configs = JSON.stringify(chartConfigs(data)).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Performance report ${escapeHtml(data.date)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:0 0 1em}td,th{padding:.3em .8em;border-bottom:1px solid #ccc;vertical-align:top}.chart{height:22em;margin:1em 0 2em}</style>
</head><body>
<h1>Performance report, ${escapeHtml(data.date)}</h1>
<p>Commit ${escapeHtml(data.commit)}; ${escapeHtml(data.machine)}; ${escapeHtml(Object.entries(data.versions).map(([name, version]) => `${name} ${version}`).join(', '))}. Generator: ${escapeHtml(data.generator)}.</p>
<table><thead><tr><th>row</th><th>compares</th><th>value</th><th>measurements</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Throughput</h2><div class="chart"><canvas id="throughput"></canvas></div>
<h2>Spike: latency percentiles over time</h2><div class="chart"><canvas id="spike"></canvas></div>
<h2>Mix: p95 per offered rate</h2><div class="chart"><canvas id="mix"></canvas></div>
${data.server ? serverHtml(data.server) : ''}<h2>Notes</h2><ul>${data.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>
<script>${chartJs(root)}</script>
<script>
const configs = ${configs};
for (const [id, config] of Object.entries(configs)) new Chart(document.getElementById(id), { ...config, options: { ...config.options, maintainAspectRatio: false } });
</script>
</body></html>
`;
}
