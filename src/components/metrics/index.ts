/**
 * Metrics: the Prometheus exposition and the metrics summary.
 * The component's public entry: other components and the wiring import only this file.
 */
export { metricsRouter } from './metrics.routes';
