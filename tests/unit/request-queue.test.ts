import { queueSeconds } from '../../src/infra/metrics/request-queue';

// Nginx's stamp: `t=` and $msec, seconds with milliseconds (nginx/http.conf).
const nginxStamp = 't=1795720343.754';
const stampedAtMs = 1795720343754;

describe('queueSeconds (the wait behind Nginx, from its X-Request-Start stamp)', () => {
  it("reads Nginx's stamp against this process's clock", () => {
    expect(queueSeconds(nginxStamp, stampedAtMs + 146)).toBeCloseTo(0.146, 6);
    expect(queueSeconds(nginxStamp, stampedAtMs + 2_500)).toBeCloseTo(2.5, 6);
    expect(queueSeconds('t=1795720343', stampedAtMs)).toBeCloseTo(0.754, 6);
  });

  it('counts a stamp slightly ahead of this clock (another host) as no wait, and ignores one far ahead', () => {
    expect(queueSeconds(nginxStamp, stampedAtMs - 40)).toBe(0);
    expect(queueSeconds(nginxStamp, stampedAtMs - 900)).toBe(0);
    expect(queueSeconds(nginxStamp, stampedAtMs - 1_100)).toBeNull();
  });

  it.each([
    ['no header', undefined],
    ['a repeated header', [nginxStamp, nginxStamp]],
    ['an empty value', ''],
    ['no digits', 't='],
    ['not a number', 't=abc'],
    ['no t= prefix', '1795720343.754'],
    ['a negative time', 't=-1795720343.754'],
    ['an exponent', 't=1.795720343e9'],
    ['microseconds, not seconds', 't=1795720343754000'],
    ['another stamp appended', `${nginxStamp}, ${nginxStamp}`],
    ['trailing text', `${nginxStamp} ; drop`],
    ['a stamp from 2001', 't=1000000000.000'],
    ['a stamp from 5138', 't=99999999999'],
  ])('ignores %s', (_case, header) => {
    expect(queueSeconds(header, stampedAtMs)).toBeNull();
  });

  it('ignores a stamp older than any request can wait behind Nginx (60 s)', () => {
    expect(queueSeconds(nginxStamp, stampedAtMs + 59_000)).toBeCloseTo(59, 6);
    expect(queueSeconds(nginxStamp, stampedAtMs + 61_000)).toBeNull();
  });
});
