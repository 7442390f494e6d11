import type { Scenario } from 'k6/options';
import { budgets, flows } from '../../load/flows.js';
import { optionsFor, refusalsExpected, scenarios, thresholdsFor, vusOf } from '../../load/options.js';

/**
 * load/options.js checked as k6 reads it (k6 is not installed here: AGPL). The fields per
 * executor are those of k6's documentation (grafana.com/docs/k6/latest/using-k6/scenarios/
 * executors/); k6 refuses a scenario with a field its executor does not know.
 */
const common = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags', 'options'];
const executorFields: Record<string, { required: string[]; optional: string[] }> = {
  'shared-iterations': { required: [], optional: ['vus', 'iterations', 'maxDuration'] },
  'per-vu-iterations': { required: [], optional: ['vus', 'iterations', 'maxDuration'] },
  'constant-vus': { required: ['duration'], optional: ['vus'] },
  'ramping-vus': { required: ['stages'], optional: ['startVUs', 'gracefulRampDown'] },
  'constant-arrival-rate': { required: ['duration', 'rate', 'preAllocatedVUs'], optional: ['timeUnit', 'maxVUs'] },
  'ramping-arrival-rate': { required: ['stages', 'preAllocatedVUs'], optional: ['startRate', 'timeUnit', 'maxVUs'] },
};
/** k6 durations: Go's time.ParseDuration units, e.g. `30s`, `1m30s`. */
const duration = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
/** The summary's built-in metrics used in thresholds, with k6's metric types. */
const metricTypes: Record<string, 'trend' | 'rate' | 'counter'> = {
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  checks: 'rate',
  dropped_iterations: 'counter',
  unexpected_failures: 'counter',
};
/** The aggregations k6 allows per metric type in a threshold expression. */
const aggregations = { trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/, rate: /^rate$/, counter: /^(count|rate)$/ };
const expression = /^\s*(\S+?)\s*(<=|>=|===|==|!=|<|>)\s*(\d+(\.\d+)?)\s*$/;
const thresholdName = /^([a-z_]+)(\{([^{}:,]+):([^{}:,]+)\})?$/;

const durationSeconds = (text: string): number =>
  [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'],
    0,
  );

describe.each(Object.keys(scenarios))('SCENARIO=%s', (name) => {
  const options = optionsFor(name);
  const scenario = options.scenarios![name]! as Scenario & Record<string, unknown>;

  test('one scenario, with an executor k6 knows and only the fields it defines', () => {
    expect(Object.keys(options.scenarios!)).toEqual([name]);
    const fields = executorFields[scenario.executor]!;
    expect(fields).toBeDefined();
    for (const field of fields.required) expect(scenario).toHaveProperty(field);
    for (const field of Object.keys(scenario)) expect([...common, ...fields.required, ...fields.optional]).toContain(field);
    for (const field of ['duration', 'gracefulRampDown', 'gracefulStop', 'timeUnit', 'maxDuration'])
      if (field in scenario) expect(scenario[field]).toMatch(duration);
    for (const stage of 'stages' in scenario ? (scenario.stages as { duration: string; target: number }[]) : []) {
      expect(stage.duration).toMatch(duration);
      expect(Number.isInteger(stage.target) && stage.target >= 0).toBe(true);
    }
    expect(options.setupTimeout).toMatch(duration);
  });

  test('every threshold names a metric of the summary and parses as a k6 expression', () => {
    const thresholds = options.thresholds!;
    expect(Object.keys(thresholds)).toEqual(expect.arrayContaining(['http_req_failed', 'checks', 'dropped_iterations']));
    for (const [metric, list] of Object.entries(thresholds)) {
      const [, base, , tag, value] = thresholdName.exec(metric) ?? [];
      const type = metricTypes[base!];
      expect(type).toBeDefined();
      if (tag) expect([tag, Object.keys(budgets)]).toEqual(['name', expect.arrayContaining([value])]);
      for (const threshold of list) {
        const text = typeof threshold === 'string' ? threshold : threshold.threshold;
        const [, aggregation] = expression.exec(text) ?? [];
        expect(aggregation).toMatch(aggregations[type!]);
        if (typeof threshold !== 'string') expect(threshold.delayAbortEval).toMatch(duration);
      }
    }
  });

  test('the error, check and budget thresholds', () => {
    const texts = (metric: string) => options.thresholds![metric]!.map((threshold) => (typeof threshold === 'string' ? threshold : threshold.threshold));
    expect(texts('http_req_failed')).toEqual(['rate<0.01']);
    expect(texts('checks')).toEqual(['rate>0.99']);
    expect(texts('http_req_duration{name:GET /api/profiles/<id>}')).toEqual([
      `p(95)<${budgets['GET /api/profiles/<id>']!.p95}`,
      `p(99)<${budgets['GET /api/profiles/<id>']!.p99}`,
    ]);
    const aborts = Object.values(options.thresholds!)
      .flat()
      .every((threshold) => typeof threshold !== 'string' && threshold.abortOnFail);
    expect(aborts).toBe(name === 'stress' || name === 'breakpoint');
  });
});

test('smoke when SCENARIO is unset; an unknown scenario is refused', () => {
  expect(Object.keys(optionsFor(undefined).scenarios!)).toEqual(['smoke']);
  expect(Object.keys(optionsFor('').scenarios!)).toEqual(['smoke']);
  expect(() => optionsFor('soak')).toThrow(/SCENARIO must be one of smoke, load, stress, spike, breakpoint/);
});

test('stress ramps in stages up to 2,000 VUs; one account per VU', () => {
  const stress = scenarios.stress!;
  expect(stress.executor).toBe('ramping-vus');
  expect(vusOf(stress)).toBe(2000);
  expect('stages' in stress && stress.stages.length).toBeGreaterThan(3);
});

test('spike: 20× the baseline within seconds, held, dropped, then a recovery window at the baseline', () => {
  const spike = scenarios.spike!;
  if (spike.executor !== 'ramping-arrival-rate') throw new Error(`spike is ${spike.executor}`);
  const [baseline, up, hold, down, recovery] = spike.stages;
  expect(baseline!.target).toBe(spike.startRate);
  expect(up!.target).toBe(20 * baseline!.target);
  expect(durationSeconds(up!.duration)).toBeLessThanOrEqual(15);
  expect(hold!.target).toBe(up!.target);
  expect(down!.target).toBe(baseline!.target);
  expect(recovery!.target).toBe(baseline!.target);
  expect(durationSeconds(recovery!.duration)).toBeGreaterThanOrEqual(60);
});

test('a spike expects refusals: it fails on any answer that is neither served nor refused on purpose; the others count refusals as failures', () => {
  expect([...refusalsExpected]).toEqual(['spike']);
  expect(thresholdsFor('spike').unexpected_failures).toEqual(['count<1']);
  for (const other of ['smoke', 'load', 'stress', 'breakpoint']) expect(thresholdsFor(other).unexpected_failures).toBeUndefined();
  expect(thresholdsFor('spike').http_req_failed).toEqual(['rate<0.01']);
});

test('breakpoint raises the arrival rate (open model) and stops at the first broken threshold', () => {
  expect(scenarios.breakpoint!.executor).toBe('ramping-arrival-rate');
  expect(Object.values(thresholdsFor('breakpoint')).flat()).toContainEqual({ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '30s' });
});

test('every URL group of the flows has a latency budget, and every budget a URL group', () => {
  const groups = new Set(flows.flatMap((flow) => flow.steps.map((step) => step.name)));
  expect(new Set(Object.keys(budgets))).toEqual(new Set([...groups, 'POST /api/auth/register']));
});
