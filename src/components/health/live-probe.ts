import type { RequestHandler } from 'express';

/**
 * `GET /live`: the event loop turns; no dependency is checked. Load balancers and orchestrators
 * poll it, so createApp mounts it ahead of metrics, request logging, security headers and CORS:
 * it needs none of them, and costs close to a bare Express route.
 */
export function liveProbe(instanceId: string): RequestHandler {
  const body = { status: 'alive', instanceId };
  return (_req, res) => {
    res.set('Cache-Control', 'no-store').json(body);
  };
}
