/**
 * The overload figures of issue 26 under one pinning, for `./scripts/bench spike` and
 * `./scripts/bench report`: the capacity of the stack (a cached signed-in read through Nginx →
 * PM2 ×2) and of the bare node:http cluster ×2, their ratio (P7) and the stack's p99 at 70 % of
 * its capacity; then for each shedding setting of Nginx: 2× the capacity for 30 s, 4× for 10 s
 * (spike.mts), and a 2 s stall of the API processes at 70 % (stall-run.mts).
 *
 * P7's denominator is the bare cluster straight from the generator, without Nginx: the old
 * headline's ratio (whose goal, 0.35, P7 keeps), so the ratio prices everything the stack adds
 * to a bare node:http server, Nginx included. The same bare cluster behind the same Nginx splits
 * that price in two: what Nginx leaves (the highest ratio any API behind it could reach) and
 * what the API takes of it.
 */
import { sheddingKnown, startEdge, type Cluster, type Edge } from '../bench-kit.mts';
import type { PinMode } from '../pinning.mts';
import { openModel, type PlannedRequest } from '../report/open-model.mts';
import { findCapacity, generatorOptions, numberFromEnv, runFigures, searchSettings, type SearchSettings } from './capacity.mts';
import type { OverloadFigures, OverloadRun, Shedding } from './overload-data.mts';
import { sheddingLabel } from './render-overload.mts';
import { baseShare, spikeRun, type SpikeShape } from './spike.mts';
import { stallRun } from './stall-run.mts';

export interface OverloadSettings {
  search: SearchSettings;
  /** Seconds of the run at 70 % of the capacity. */
  atSeventySeconds: number;
  spikes: SpikeShape[];
  stall: { seconds: number; stallMs: number; stallAtSeconds: number; maxConnections: number };
}

/** Defaults: the issue's lengths; each shorter by an environment variable for a quick try. */
export function overloadSettings(): OverloadSettings {
  const number = (name: string, fallback: number): number => numberFromEnv(name, fallback, 0, 'a number of seconds (or ms)');
  const search = searchSettings();
  const leadSeconds = number('BENCH_SPIKE_LEAD', 10);
  const afterSeconds = number('BENCH_SPIKE_AFTER', 30);
  const { maxConnections } = search;
  return {
    search,
    atSeventySeconds: search.confirmSeconds,
    spikes: [
      { multiple: 2, leadSeconds, spikeSeconds: number('BENCH_SPIKE_SECONDS', 30), afterSeconds, maxConnections },
      { multiple: 4, leadSeconds, spikeSeconds: number('BENCH_SPIKE4_SECONDS', 10), afterSeconds, maxConnections },
    ],
    stall: { seconds: number('BENCH_STALL_SECONDS', 15), stallMs: number('BENCH_STALL_MS', 2000), stallAtSeconds: 4, maxConnections },
  };
}

/**
 * The shedding settings to measure, in order, the first the stack's own: BENCH_SHEDDING (on, off
 * or both, the default) where the Nginx configuration of `checkout` has the in-flight bound; else
 * the one configuration there is, without it.
 */
export function sheddingSettings(checkout?: string): Shedding[] {
  if (!sheddingKnown(checkout)) return ['absent'];
  const setting = process.env.BENCH_SHEDDING ?? 'both';
  const settings = ({ on: ['on'], off: ['off'], both: ['on', 'off'] } as Record<string, Shedding[]>)[setting];
  if (!settings) throw new Error(`BENCH_SHEDDING must be on, off or both, not '${setting}'`);
  return settings;
}

/** Nginx in front of whatever listens on `port`, with the configuration of `checkout` (this one without it) and `shedding`. */
export const startEdgeWith = (port: number, shedding: Shedding, checkout?: string): Promise<Edge> =>
  startEdge(port, { ...(checkout ? { checkout } : {}), ...(shedding === 'absent' ? {} : { shedding }) });

/** Nginx in front of the cluster at `port` once per shedding setting (sheddingSettings' order), with the configuration of `checkout` (this one without it). */
export async function startEdges(port: number, checkout?: string): Promise<OverloadSetup['edges']> {
  const edges: OverloadSetup['edges'] = [];
  for (const shedding of sheddingSettings(checkout)) edges.push({ shedding, edge: await startEdgeWith(port, shedding, checkout) });
  return edges;
}

export interface OverloadSetup {
  /** The PM2 cluster of 2 API processes. */
  cluster: Cluster;
  /** Nginx in front of it, one per shedding setting (sheddingSettings' order). */
  edges: { shedding: Shedding; edge: Edge }[];
  /** The bare node:http cluster ×2. */
  barePort: number;
  /** The same bare cluster behind Nginx (startEdgeWith): the configuration and shedding setting of the stack's first edge. */
  bareEdge: Edge;
  /** The cached signed-in read. */
  targets: PlannedRequest[];
}

export async function measureOverload(setup: OverloadSetup, mode: PinMode, pinning: string, settings: OverloadSettings, log: (line: string) => void): Promise<OverloadFigures> {
  const [stackEdge] = setup.edges;
  if (!stackEdge) throw new Error('measureOverload needs an Nginx in front of the cluster');
  log(`${pinning}\ncapacity of the bare node:http cluster ×2:`);
  const bare = await findCapacity(setup.barePort, [{ method: 'GET', path: '/' }], settings.search, log);
  log(`capacity of the same bare cluster behind Nginx, ${sheddingLabel(stackEdge.shedding)}:`);
  // The stack's own requests (the bare server answers any path 200): Nginx does for them what it
  // does for the stack's, its in-flight bound included (which counts only /api requests).
  const bareBehindEdge = await findCapacity(setup.bareEdge.port, setup.targets, settings.search, log);
  log(`capacity of the stack (Nginx, ${sheddingLabel(stackEdge.shedding)}):`);
  const stack = await findCapacity(stackEdge.edge.port, setup.targets, settings.search, log);
  const seventy = Math.round(stack.rate * baseShare);
  const atSeventy = runFigures(await openModel(stackEdge.edge.port, setup.targets, seventy, settings.atSeventySeconds, 3, generatorOptions(settings.search.maxConnections)));
  log(
    `capacity ${stack.rate}/s ÷ ${bare.rate}/s = ${(stack.rate / bare.rate).toFixed(2)} (behind Nginx the bare cluster: ${bareBehindEdge.rate}/s, ${(bareBehindEdge.rate / bare.rate).toFixed(2)}); ` +
      `at 70 % (${seventy}/s): p99 ${atSeventy.p99Ms} ms`,
  );

  const runs: OverloadRun[] = [];
  for (const { shedding, edge } of setup.edges) {
    const spikes = [];
    for (const shape of settings.spikes) {
      const spike = await spikeRun(edge.port, setup.cluster, setup.targets, stack.rate, shape);
      log(
        `${shape.multiple}× (${shedding}): goodput lowest ${spike.goodputMin}/s, p99 of the 2xx ${spike.okP99Ms ?? '–'} ms, ${spike.kinds.refused} refused (p99 ${spike.refusedP99Ms ?? '–'} ms), ` +
          `${spike.kinds.timeout} timeouts, ${spike.kinds.connection} connection errors; /live slowest ${spike.live.maxMs} ms; ${spike.restarts} restarts; ` +
          `p99 back ≤ 50 ms ${spike.recoveredAfterSeconds === null ? 'not within the run' : `after ${spike.recoveredAfterSeconds.toFixed(1)} s`}`,
      );
      spikes.push(spike);
    }
    const stall = await stallRun(edge.port, setup.cluster, setup.targets, { rate: seventy, ...settings.stall });
    log(`stall (${shedding}): p99 ${stall.result.p99Ms} ms, recovered ${stall.recoveredAfterSeconds === null ? 'not within the run' : `after ${stall.recoveredAfterSeconds.toFixed(1)} s`}`);
    runs.push({
      shedding,
      spikes,
      stall: {
        rate: seventy,
        stallMs: settings.stall.stallMs,
        p99Ms: stall.result.p99Ms,
        kinds: stall.result.kinds,
        settledBefore: stall.settledBefore,
        recoveredAfterSeconds: stall.recoveredAfterSeconds,
      },
    });
  }
  return { mode, pinning, capacity: { stack, bare, bareBehindEdge, stackShedding: stackEdge.shedding }, ratio: stack.rate / bare.rate, atSeventy, runs };
}
