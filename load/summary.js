// @ts-check
/**
 * The end-of-test reports of load-test.js (handleSummary): a text table and a self-contained
 * HTML page, from k6's summary data. No k6 import (and no remote jslib): Node tests it too.
 */

/**
 * The parts of k6's summary data these reports read.
 * @typedef {{ type: string, values: Record<string, number>, thresholds?: Record<string, { ok: boolean }> }} SummaryMetric
 * @typedef {{ metrics: Record<string, SummaryMetric>, state?: { testRunDurationMs?: number } }} SummaryData
 * @typedef {{ name: string, p95: number, p99: number, ok: boolean }} EndpointRow
 */

const endpointMetric = /^http_req_duration\{name:(.+)\}$/;

/** Every URL group with a budget, slowest p95 first. @param {SummaryData} data @returns {EndpointRow[]} */
export function endpointRows(data) {
  /** @type {EndpointRow[]} */
  const rows = [];
  for (const [metric, summary] of Object.entries(data.metrics)) {
    const match = endpointMetric.exec(metric);
    if (!match) continue;
    rows.push({
      name: /** @type {string} */ (match[1]),
      p95: summary.values['p(95)'] ?? 0,
      p99: summary.values['p(99)'] ?? 0,
      ok: Object.values(summary.thresholds ?? {}).every((threshold) => threshold.ok),
    });
  }
  return rows.sort((a, b) => b.p95 - a.p95);
}

/** The failed thresholds, as `metric: expression`. @param {SummaryData} data */
export function failedThresholds(data) {
  return Object.entries(data.metrics).flatMap(([metric, summary]) =>
    Object.entries(summary.thresholds ?? {})
      .filter(([, threshold]) => !threshold.ok)
      .map(([expression]) => `${metric}: ${expression}`),
  );
}

/** @param {SummaryData} data */
function headline(data) {
  const value = (/** @type {string} */ metric, /** @type {string} */ field) => data.metrics[metric]?.values[field] ?? 0;
  return {
    requests: value('http_reqs', 'count'),
    rate: value('http_reqs', 'rate'),
    failed: value('http_req_failed', 'rate'),
    checks: value('checks', 'rate'),
    dropped: value('dropped_iterations', 'count'),
    seconds: (data.state?.testRunDurationMs ?? 0) / 1000,
  };
}

const ms = (/** @type {number} */ value) => `${value.toFixed(1)} ms`;
const percent = (/** @type {number} */ value) => `${(value * 100).toFixed(2)} %`;

/** @param {SummaryData} data @param {string} scenario */
export function textReport(data, scenario) {
  const h = headline(data);
  const failed = failedThresholds(data);
  const lines = [
    `scenario ${scenario}: ${h.requests} requests in ${h.seconds.toFixed(0)} s (${h.rate.toFixed(1)}/s), failed ${percent(h.failed)}, checks ${percent(h.checks)}, dropped iterations ${h.dropped}`,
    '',
    `${'endpoint'.padEnd(36)} ${'p95'.padStart(10)} ${'p99'.padStart(10)}  budget`,
    ...endpointRows(data).map((row) => `${row.name.padEnd(36)} ${ms(row.p95).padStart(10)} ${ms(row.p99).padStart(10)}  ${row.ok ? 'ok' : 'OVER'}`),
    '',
    failed.length === 0 ? 'every threshold passed' : `thresholds failed:\n  ${failed.join('\n  ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

const escapeHtml = (/** @type {string} */ text) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

/** @param {SummaryData} data @param {string} scenario */
export function htmlReport(data, scenario) {
  const h = headline(data);
  const failed = failedThresholds(data);
  const rows = endpointRows(data)
    .map((row) => `<tr class="${row.ok ? 'ok' : 'over'}"><td>${escapeHtml(row.name)}</td><td>${ms(row.p95)}</td><td>${ms(row.p99)}</td><td>${row.ok ? 'within budget' : 'over budget'}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load test: ${escapeHtml(scenario)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ccc;text-align:right}td:first-child,th:first-child{text-align:left}.over{background:#fdd}.ok{background:#efe}</style>
</head><body>
<h1>Load test: ${escapeHtml(scenario)}</h1>
<p>${h.requests} requests in ${h.seconds.toFixed(0)} s (${h.rate.toFixed(1)}/s); failed ${percent(h.failed)} (threshold &lt; 1 %); checks ${percent(h.checks)} (threshold &gt; 99 %); dropped iterations ${h.dropped}.</p>
<table><thead><tr><th>endpoint (name tag)</th><th>p95</th><th>p99</th><th>budget</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Thresholds</h2>
${failed.length === 0 ? '<p>Every threshold passed.</p>' : `<ul>${failed.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`}
</body></html>
`;
}
