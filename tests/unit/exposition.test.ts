import { mergeExposition, renderFamilies, type MetricFamily } from '../../src/infra/metrics/exposition';

const family = (values: MetricFamily['values'], help = 'Requests served'): MetricFamily => ({ name: 'requests_total', help, type: 'counter', values });

describe('the Prometheus text exposition', () => {
  it('escapes backslashes, line breaks and quotes in label values, as the text format requires', () => {
    const [rendered] = renderFamilies([family([{ value: 1, labels: { path: 'a\\b\n"c"' } }])]);
    expect(rendered!.samples).toBe('requests_total{path="a\\\\b\\n\\"c\\""} 1\n');
  });

  it('escapes backslashes and line breaks in HELP, and leaves quotes there alone', () => {
    const text = mergeExposition([renderFamilies([family([{ value: 2, labels: {} }], 'Paths like C:\\x\nand "y"')])]);
    expect(text).toBe('# HELP requests_total Paths like C:\\\\x\\nand "y"\n# TYPE requests_total counter\nrequests_total 2\n');
  });

  it('spells out NaN and infinities that JSON turned into null', () => {
    const [rendered] = renderFamilies([
      family([
        { value: null, labels: { le: 'a' } },
        { value: Infinity, labels: { le: 'b' } },
        { value: -Infinity, labels: { le: 'c' } },
        { value: Number.NaN, labels: { le: 'd' } },
      ]),
    ]);
    expect(rendered!.samples.split('\n').map((line) => line.split(' ')[1])).toEqual(['NaN', '+Inf', '-Inf', 'NaN', undefined]);
  });

  it('puts the samples of every process under one HELP and TYPE, skipping families without samples', () => {
    const first = renderFamilies([family([{ value: 1, labels: { instance_id: 'a' } }]), { name: 'empty', help: 'h', type: 'gauge', values: [] }]);
    const second = renderFamilies([family([{ value: 3, labels: { instance_id: 'b' } }])]);
    expect(mergeExposition([first, second])).toBe(
      '# HELP requests_total Requests served\n# TYPE requests_total counter\nrequests_total{instance_id="a"} 1\nrequests_total{instance_id="b"} 3\n',
    );
  });
});
