/**
 * The report of `./scripts/bench report` as Markdown and as one self-contained HTML page whose
 * charts are drawn by Chart.js, inlined from node_modules so the page works offline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { overloadHtml, overloadMarkdown, spikeCharts } from '../overload/render-overload.mts';
import type { PinMode } from '../pinning.mts';
import { mixP95Ms } from './mix-search.mts';
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
    heading: `Server side (/metrics/summary), ${server.pinning}`,
    intro: `Over ${server.window}. Event-loop lag p99 (the highest of any process): ${server.eventLoopLagP99Ms} ms.`,
    routes: [
      ['route', 'requests', 'req/s', 'p95', '5xx'],
      ...server.routes.map((route) => [
        route.route,
        String(route.requests),
        route.requestsPerSecond.toFixed(1),
        milliseconds(route.p95Ms),
        percent(route.errorRate),
      ]),
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

const pinnings = (data: ReportData): PinMode[] => Object.keys(data.pinning) as PinMode[];
/** What each pinning meant (each says its mode first: pinning.mts, describe). */
const pinningLines = (data: ReportData): string[] => Object.values(data.pinning);

export function renderMarkdown(data: ReportData): string {
  const lines = [
    `# Performance report, ${data.date}`,
    '',
    `Commit ${data.commit}; ${data.machine}; ${Object.entries(data.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    `Generator: ${data.generator}. The run took ${Math.round(data.durationSeconds)} s.`,
    '',
    ...pinningLines(data).map((line) => `- ${line}`),
    '',
    '| row | pinning | compares | value | measurements |',
    '|---|---|---|---|---|',
    ...data.rows.map((row) => `| ${row.id} | ${row.pinning} | ${row.compares} | ${row.value} | ${row.detail} |`),
    '',
    '## Throughput (median round)',
    '',
    '| configuration | pinning | req/s | p95 |',
    '|---|---|---|---|',
    ...data.throughput.map((bar) => `| ${bar.label} | ${bar.pinning} | ${bar.requestsPerSecond} | ${bar.p95Ms} ms |`),
    '',
    ...overloadMarkdown(data.overload),
    `## Mix: rate search (p95 ≤ ${mixP95Ms} ms, no 5xx, ≤ 1 % other failures)`,
    '',
    '| pinning | offered rate | run | achieved | p95 | 5xx | failed | held |',
    '|---|---|---|---|---|---|---|---|',
    ...data.mix.map(
      (step) =>
        `| ${step.pinning} | ${step.rate}/s | ${step.seconds} s${step.confirming ? ', confirming' : ''} | ${step.achieved}/s | ${step.p95Ms} ms | ${step.fiveXx} | ${step.failed} | ${step.held ? '✓' : '✗'} |`,
    ),
    '',
    ...data.servers.flatMap(serverMarkdown),
    '## Notes',
    '',
    ...data.notes.map((note) => `- ${note}`),
    '',
  ];
  return lines.join('\n');
}

const colours = ['#4e79a7', '#f28e2b', '#76b7b2'];

/** The charts: throughput per configuration and the mix's p95 per rate, a dataset per pinning; goodput and p99 through each 2× spike (render-overload.mts). */
function chartConfigs(data: ReportData): Record<string, unknown> {
  const modes = pinnings(data);
  const labels = [...new Set(data.throughput.map((bar) => bar.label))];
  return {
    throughput: {
      type: 'bar',
      data: {
        labels,
        datasets: modes.map((mode, index) => ({
          label: `requests/s, ${mode}`,
          data: labels.map((label) => data.throughput.find((bar) => bar.label === label && bar.pinning === mode)?.requestsPerSecond ?? null),
          backgroundColor: colours[index % colours.length],
        })),
      },
      options: { indexAxis: 'y', animation: false },
    },
    ...spikeCharts(data.overload),
    mix: {
      type: 'line',
      data: {
        datasets: modes.map((mode, index) => ({
          label: `p95 ms, ${mode}`,
          // The short runs: a confirming run is 60 s, not comparable point by point.
          data: data.mix
            .filter((step) => step.pinning === mode && !step.confirming)
            .sort((a, b) => a.rate - b.rate)
            .map((step) => ({ x: step.rate, y: step.p95Ms })),
          borderColor: colours[index % colours.length],
        })),
      },
      options: { animation: false, scales: { x: { type: 'linear', title: { display: true, text: 'offered requests/s' } } } },
    },
  };
}

export function renderHtml(data: ReportData, root: string): string {
  const rows = data.rows
    .map(
      (row) =>
        `<tr><td>${row.id}</td><td>${row.pinning}</td><td>${escapeHtml(row.compares)}</td><td><b>${escapeHtml(row.value)}</b></td><td>${escapeHtml(row.detail)}</td></tr>`,
    )
    .join('\n');
  // JSON in a script block: `<` escaped so no value can close the block.
  const configs = JSON.stringify(chartConfigs(data)).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Performance report ${escapeHtml(data.date)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:0 0 1em}td,th{padding:.3em .8em;border-bottom:1px solid #ccc;vertical-align:top}.chart{height:22em;margin:1em 0 2em}</style>
</head><body>
<h1>Performance report, ${escapeHtml(data.date)}</h1>
<p>Commit ${escapeHtml(data.commit)}; ${escapeHtml(data.machine)}; ${escapeHtml(
    Object.entries(data.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', '),
  )}. Generator: ${escapeHtml(data.generator)}.</p>
<ul>${pinningLines(data)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join('')}</ul>
<table><thead><tr><th>row</th><th>pinning</th><th>compares</th><th>value</th><th>measurements</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Throughput</h2><div class="chart"><canvas id="throughput"></canvas></div>
${overloadHtml(data.overload)}<h2>Mix: p95 per offered rate</h2><div class="chart"><canvas id="mix"></canvas></div>
${data.servers.map(serverHtml).join('')}<h2>Notes</h2><ul>${data.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>
<script>${chartJs(root)}</script>
<script>
const configs = ${configs};
for (const [id, config] of Object.entries(configs)) new Chart(document.getElementById(id), { ...config, options: { ...config.options, maintainAspectRatio: false } });
</script>
</body></html>
`;
}
