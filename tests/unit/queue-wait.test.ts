import { queueWaitMs } from '../../src/infra/http/queue-wait';

describe('queueWaitMs reads the proxy stamp X-Request-Start: t=<seconds>', () => {
  const now = 1_764_160_000_500;

  it("measures the wait from Nginx's $msec", () => {
    expect(queueWaitMs({ 'x-request-start': 't=1764160000.123' }, now)).toBeCloseTo(377, 6);
    expect(queueWaitMs({ 'x-request-start': 't=1764159990' }, now)).toBe(10_500);
  });

  it.each([
    ['no header', undefined],
    ['no t= prefix', '1764160000.123'],
    ['an empty value', 't='],
    ['not a number', 't=soon'],
    ['a negative time', 't=-5'],
    ['zero', 't=0'],
    ['infinity', 't=Infinity'],
    ['hex', 't=0x10'],
    ['an exponent', 't=1.76416e9'],
    ['two stamps (a repeated header)', 't=1764160000.123, t=1764160000.200'],
  ])('ignores %s', (_what, value) => {
    expect(queueWaitMs(value === undefined ? {} : { 'x-request-start': value }, now)).toBeNull();
  });

  it('ignores a stamp from the future (a clock ahead of ours), however far', () => {
    expect(queueWaitMs({ 'x-request-start': 't=1764160000.501' }, now)).toBeNull();
    expect(queueWaitMs({ 'x-request-start': 't=1864160000' }, now)).toBeNull();
  });

  it('ignores a stamp over an hour old (a clock behind ours), which would otherwise shed everything', () => {
    expect(queueWaitMs({ 'x-request-start': 't=1764156400.500' }, now)).toBe(3_600_000);
    expect(queueWaitMs({ 'x-request-start': 't=1764156400.499' }, now)).toBeNull();
    expect(queueWaitMs({ 'x-request-start': 't=1' }, now)).toBeNull();
  });
});
