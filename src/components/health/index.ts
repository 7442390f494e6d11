/**
 * Health: the /live, /health and /ready probes.
 * The component's public entry: other components and the wiring import only this file.
 */
export { liveProbe } from './live-probe';
export { healthProbe, readyProbe } from './probes.routes';
