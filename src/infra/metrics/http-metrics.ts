import type { Request, RequestHandler } from 'express';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { queueSeconds, requestStartHeader } from './request-queue';

/** Every request that matched no route (404s, static files): one label, never the raw path. */
const unmatchedRoute = 'unmatched';

interface RouteCapture {
  /** The matched route's template with its mount path, e.g. /api/profiles/:id. */
  metricsRoute?: string;
  matchedRoute?: unknown;
}

const instrumented = new WeakSet<object>();

/**
 * Records where the router dispatches a route (it assigns `req.route`). The mount path
 * (`req.baseUrl`) is right only at that moment: Express restores it when an error leaves a
 * sub-router, so reading it when the response finishes would lose the prefix of every failed
 * request. The accessor goes on the app's request prototype once, not on every request.
 */
function captureRouteTemplates(prototype: object): void {
  if (instrumented.has(prototype)) return;
  instrumented.add(prototype);
  Object.defineProperty(prototype, 'route', {
    configurable: true,
    get(this: RouteCapture) {
      return this.matchedRoute;
    },
    set(this: Request & RouteCapture, value: { path?: unknown } | undefined) {
      this.matchedRoute = value;
      if (typeof value?.path === 'string') this.metricsRoute = `${this.baseUrl}${value.path}`;
    },
  });
}

/**
 * The per-request cost of metrics: one histogram observation and the in-flight gauge, by method,
 * route template and status class, and behind Nginx the wait in front of this process. No ids,
 * e-mails or URLs reach a label.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response finished, by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'],
    // 0.5 s is the p95 budget of the alert rules; finer steps below it for the cached reads.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Unlabelled: where a request waits (accept, event loop) does not depend on its route.
  const queue = new Histogram({
    name: 'http_request_queue_seconds',
    help: 'Time from Nginx passing a request on (its X-Request-Start stamp) to this process starting it: a new connection waiting to be accepted, or a busy event loop.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'Requests being handled.', registers: [registry] });

  return (req: Request & RouteCapture, res, next) => {
    const end = duration.startTimer();
    const waited = queueSeconds(req.headers[requestStartHeader], Date.now());
    if (waited !== null) queue.observe(waited);
    inFlight.inc();
    captureRouteTemplates(Object.getPrototypeOf(req) as object);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight.dec();
      end({ method: req.method, route: req.metricsRoute ?? unmatchedRoute, status_class: `${Math.floor(res.statusCode / 100)}xx` });
    };
    res.once('finish', finish);
    // A client that goes away before the response ends: still one request, with the status set so far.
    res.once('close', finish);
    next();
  };
}
