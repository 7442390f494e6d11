import type { RequestHandler } from 'express';
import type { Lifecycle } from '../../infra/lifecycle/lifecycle';
import { databaseUnavailable, ServiceUnavailableError } from '../../infra/errors/app-error';
import { isInternalAddress } from '../../infra/http/internal-address';
import { buildHealthReport, checkDependencies, type HealthDependencies } from './health-report';
import { sharedChecks } from './shared-checks';

export interface ProbeDependencies extends Omit<HealthDependencies, 'stopping'> {
  lifecycle: Lifecycle;
}

const readinessPingTimeoutMs = 1000;
/** How old the dependencies' answers in `/health` may be: they are asked at most once a second per process. */
const dependencyChecksMaxAgeMs = 1000;
const noStore = 'no-store';

/** `GET /ready`: for process managers and load balancers (`/live` is live-probe.ts). */
export function readyProbe(deps: ProbeDependencies): RequestHandler {
  return async (_req, res) => {
    res.set('Cache-Control', noStore);
    if (deps.lifecycle.isStopping()) throw new ServiceUnavailableError('SHUTTING_DOWN');
    const problem = deps.database.schemaProblem();
    if (problem !== null) throw new ServiceUnavailableError('SCHEMA_NOT_MIGRATED', `The database is not ready for this release: ${problem}`);
    if (!deps.database.isConnected()) throw databaseUnavailable('The database is not connected');
    try {
      await deps.database.ping(readinessPingTimeoutMs);
    } catch {
      throw databaseUnavailable('The database did not answer');
    }
    res.json({ status: 'ready', instanceId: deps.config.instanceId });
  };
}

/**
 * `GET /health`: for people and monitors. The checks name hosts, versions and pool sizes:
 * internal addresses get them, everyone else (the public side of Nginx) the status alone.
 */
export function healthProbe(deps: ProbeDependencies): RequestHandler {
  const health = { ...deps, stopping: (): boolean => deps.lifecycle.isStopping() };
  // What the process knows without asking: a change of it is worth asking again at once.
  const knownState = (): string => `${deps.database.isConnected()}:${deps.redis?.isReady() ?? 'none'}:${health.stopping()}`;
  const dependencies = sharedChecks(() => checkDependencies(health), knownState, dependencyChecksMaxAgeMs);
  return async (req, res) => {
    const report = buildHealthReport(health, await dependencies());
    res
      .status(report.status === 'fail' ? 503 : 200)
      .set('Cache-Control', noStore)
      .type('application/health+json')
      .send(JSON.stringify(isInternalAddress(req.ip) ? report : { status: report.status }));
  };
}
