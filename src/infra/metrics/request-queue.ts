/**
 * The stamp Nginx adds to every request it passes on (nginx/http.conf): its clock, in seconds with
 * milliseconds, when it hands the request to an upstream connection. Nginx overwrites whatever a
 * client sent under that name.
 */
export const requestStartHeader = 'x-request-start';
const stamp = /^t=(\d{9,11}(?:\.\d{1,6})?)$/;

/** No request waits this long behind Nginx (proxy_read_timeout is 10 s): such a stamp is not Nginx's. */
const maxQueueSeconds = 60;
/** Clocks of two hosts kept by NTP differ by milliseconds: a stamp further ahead is not Nginx's. */
const maxClockAheadSeconds = 1;

/**
 * How long a request waited between Nginx and this process: for its new connection to be accepted,
 * or for a busy event loop to read it (bench/results/accept-wait.md). A request that Nginx retried
 * keeps its first stamp, so its wait includes the failed try. Null without a stamp of the form
 * Nginx sends, or with one too old or too far ahead to be real. A stamp slightly ahead of this
 * process's clock (two hosts' clocks a little apart) counts as no wait.
 */
export function queueSeconds(header: string | string[] | undefined, nowMs: number): number | null {
  if (typeof header !== 'string') return null;
  const match = stamp.exec(header);
  if (!match) return null;
  const waited = nowMs / 1000 - Number(match[1]);
  if (waited > maxQueueSeconds || waited < -maxClockAheadSeconds) return null;
  return Math.max(0, waited);
}
