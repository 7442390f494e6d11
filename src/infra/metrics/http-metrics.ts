import type { Request, RequestHandler } from 'express';
import { Gauge, Histogram, type Registry } from 'prom-client';

/** Every request that matched no route (404s, static files): one label, never the raw path. */
export const unmatchedRoute = 'unmatched';

interface RouteCapture {
  /** The matched route's template with its mount path, e.g. /api/profiles/:id. */
  metricsRoute?: string;
}

/**
 * Records where the router dispatches a route. The mount path (`req.baseUrl`) is right only at
 * that moment: Express restores it when an error leaves a sub-router, so reading it when the
 * response finishes would lose the prefix of every failed request.
 */
function captureRouteTemplate(req: Request & RouteCapture): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (typeof value?.path === 'string') req.metricsRoute = `${req.baseUrl}${value.path}`;
    },
  });
}

/**
 * The per-request cost of metrics: one histogram observation and the in-flight gauge, by method,
 * route template and status class. No ids, e-mails or URLs reach a label.
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
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'Requests being handled.', registers: [registry] });

  return (req: Request & RouteCapture, res, next) => {
    const end = duration.startTimer();
    inFlight.inc();
    captureRouteTemplate(req);
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
