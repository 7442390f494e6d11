/** Tables as cells of text (the first row the head), written as Markdown or HTML: one source for both formats of a report. */

export const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

export const markdownTable = ([head, ...rows]: string[][]): string[] => [`| ${head!.join(' | ')} |`, `|${head!.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];

export const htmlTable = ([head, ...rows]: string[][]): string =>
  `<table><thead><tr>${head!.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
