import { Router } from 'express';
import type { Lifecycle } from '../../infra/lifecycle/lifecycle';
import { ServiceUnavailableError } from '../../infra/errors/app-error';
import { isInternalAddress } from '../../infra/http/internal-address';
import { buildHealthReport, type HealthDependencies } from './health-report';
import { sharedReport } from './shared-report';

export interface ProbeDependencies extends Omit<HealthDependencies, 'stopping'> {
  lifecycle: Lifecycle;
}

const readinessPingTimeoutMs = 1000;
/** How old a `/health` answer may be: the checks run at most once a second per process. */
const healthReportMaxAgeMs = 1000;

/** `/ready` and `/health`: for process managers, load balancers and people (`/live` is live-probe.ts). */
export function probesRouter(deps: ProbeDependencies): Router {
  const router = Router();
  const noStore = 'no-store';
  const stopping = (): boolean => deps.lifecycle.isStopping();
  const report = sharedReport(() => buildHealthReport({ ...deps, stopping }), stopping, healthReportMaxAgeMs);

  router.get('/ready', async (_req, res) => {
    res.set('Cache-Control', noStore);
    if (deps.lifecycle.isStopping()) throw new ServiceUnavailableError('SHUTTING_DOWN', 'This instance is shutting down');
    const problem = deps.database.schemaProblem();
    if (problem !== null) throw new ServiceUnavailableError('SCHEMA_NOT_MIGRATED', `The database is not ready for this release: ${problem}`);
    if (!deps.database.isConnected()) throw new ServiceUnavailableError('DATABASE_UNAVAILABLE', 'The database is not connected');
    try {
      await deps.database.ping(readinessPingTimeoutMs);
    } catch {
      throw new ServiceUnavailableError('DATABASE_UNAVAILABLE', 'The database did not answer');
    }
    res.json({ status: 'ready', instanceId: deps.config.instanceId });
  });

  // The checks name hosts, versions and pool sizes: internal addresses get them, everyone
  // else (the public side of Nginx) the status alone.
  router.get('/health', async (req, res) => {
    const latest = await report();
    res
      .status(latest.status === 'fail' ? 503 : 200)
      .set('Cache-Control', noStore)
      .type('application/health+json')
      .send(JSON.stringify(isInternalAddress(req.ip) ? latest : { status: latest.status }));
  });

  return router;
}
