import type { IncomingHttpHeaders } from 'node:http';

const stamp = /^t=(\d{1,12}(?:\.\d{1,6})?)$/;
/** No request queues this long: a stamp older than this comes from a wrong clock. */
const longestCredibleWaitMs = 3_600_000;

/**
 * How long a request waited between the proxy passing it on and the app reading it, from the
 * proxy's `X-Request-Start: t=<seconds since the epoch>` (Nginx's `$msec`, e.g.
 * `t=1764160000.123`; nginx/http.conf sets it). Null when there is no such header, when it does
 * not parse, or when the other box's clock is plainly off (the stamp lies in the future, or over
 * an hour back): a request is only ever judged by a wait we can measure.
 */
export function queueWaitMs(headers: IncomingHttpHeaders, now: number): number | null {
  const value = headers['x-request-start'];
  const match = typeof value === 'string' ? stamp.exec(value) : null;
  if (match === null) return null;
  const waited = now - Number(match[1]) * 1000;
  return waited >= 0 && waited <= longestCredibleWaitMs ? waited : null;
}
