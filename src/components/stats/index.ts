/**
 * Stats: platform statistics.
 * The component's public entry: other components and the wiring import only this file.
 */
export { statsReadsDuringOutage, statsRouter } from './stats.routes';
export { createStatsService } from './stats.service';
