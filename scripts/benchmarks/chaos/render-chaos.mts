/** The results of `./scripts/bench chaos` as Markdown: one table row a scenario, its figures named. */
import type { ChaosData } from './chaos-data.mts';

/** A table cell cannot hold a pipe or a line break. */
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderChaosMarkdown(data: ChaosData): string {
  return [
    `# Chaos figures, ${data.date}`,
    '',
    `Commit ${data.commit}; ${data.machine}; ${Object.entries(data.versions).map(([name, version]) => `${name} ${version}`).join(', ')}.`,
    `Settings: ${Object.entries(data.settings).map(([name, value]) => `${name} ${value}`).join(', ')}. The run took ${Math.round(data.durationSeconds)} s.`,
    '',
    '| # | scenario | fault | figures |',
    '|---|---|---|---|',
    ...data.rows.map((row) => `| ${row.id} | ${cell(row.scenario)} | ${cell(row.fault)} | ${row.figures.map((figure) => `**${cell(figure.name)}**: ${cell(figure.value)}`).join('<br>')} |`),
    '',
    '## Notes',
    '',
    ...data.notes.map((note) => `- ${note}`),
    '',
    `Second-by-second traffic of each scenario (sent, failed, slowest) is in the JSON file beside this one.`,
    '',
  ].join('\n');
}
