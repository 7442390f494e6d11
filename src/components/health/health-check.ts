export type HealthStatus = 'pass' | 'warn' | 'fail';

/** One entry of the `checks` map of an `application/health+json` document. */
export interface HealthCheck {
  componentType: 'datastore' | 'system' | 'component';
  status: HealthStatus;
  observedValue?: number | string;
  observedUnit?: string;
  output?: string;
  time: string;
  [detail: string]: unknown;
}
