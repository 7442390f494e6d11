/** One metric family as prom-client's `getMetricsAsJSON()` gives it (after a JSON round trip). */
export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  values: { value: number | null; labels: Record<string, string | number>; metricName?: string }[];
}

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** JSON turns NaN and ±Inf into null; the text format spells them out. */
function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** A family's samples already in text form: rendered once by the process that owns them. */
export interface RenderedFamily {
  name: string;
  help: string;
  type: string;
  /** Sample lines, newline-terminated. */
  samples: string;
}

export function renderFamilies(families: MetricFamily[]): RenderedFamily[] {
  return families.map(({ name, help, type, values }) => {
    let samples = '';
    for (const { value, labels, metricName } of values) {
      const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeLabel(String(text))}"`);
      samples += `${metricName ?? name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}\n`;
    }
    return { name, help, type, samples };
  });
}

/**
 * Merges the families of several processes into one text exposition. Same-named families are
 * concatenated, never summed: each process's series keep their `instance_id`, so a restarted
 * process is a new series rather than a counter that seems to go backwards. The text format
 * wants each family's samples together under one HELP/TYPE, hence the grouping.
 */
export function mergeExposition(processes: RenderedFamily[][]): string {
  const families = new Map<string, { help: string; type: string; samples: string[] }>();
  for (const process of processes) {
    for (const { name, help, type, samples } of process) {
      if (samples === '') continue;
      const merged = families.get(name);
      if (merged) merged.samples.push(samples);
      else families.set(name, { help, type, samples: [samples] });
    }
  }
  let text = '';
  for (const [name, { help, type, samples }] of families) {
    text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n${samples.join('')}`;
  }
  return text;
}
