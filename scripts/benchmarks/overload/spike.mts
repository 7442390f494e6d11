/**
 * A spike through Nginx (issue 26): from 70 % of the capacity, `multiple` × the capacity for a
 * while, then back to 70 %. One attacker whose rate steps (scripts/benchmarks/step-attack), as a
 * k6 scenario's arrival rate does, so no second process starts on the generator's core in the
 * middle of the measurement (bench/results/spike-bound.md, sections 7 and 9). It opens its
 * connections before the attack, as many as the generator may use per attack (1,000, the k6 spike
 * scenario's maxVUs): dialled during the spike, on the generator's core, they made the generator
 * send and time late, and the refusals' p99 was the generator's, not the box's (section 12). So
 * the accepting of new connections is not in the spike's figures; k6 dials as it goes. Meanwhile /live is
 * probed every 100 ms (live-probe.mts); PM2's restart counts are read before and after. Every
 * figure is second by second (OverloadSecond) and summed up against the goals.
 */
import { percentile as rawPercentile, restarts, type Cluster } from '../bench-kit.mts';
import { attack, countKinds, type Answer, type PlannedRequest } from '../report/open-model.mts';
import { capacityP99Ms, generatorOptions } from './capacity.mts';
import { probeLive, type LiveSample } from './live-probe.mts';
import type { OverloadSecond, SpikeFigures } from './overload-data.mts';
import { recoveredAfter, settled } from './stall-run.mts';

export const baseShare = 0.7;
/** A /live probe that failed counts as this, its timeout. */
const liveTimeoutMs = 5000;

export interface SpikeShape {
  multiple: number;
  leadSeconds: number;
  spikeSeconds: number;
  afterSeconds: number;
  /** The generator's connections per attack (capacity.mts: generatorConnections); the spike's gets twice as many, as the two attacks it replaces had. */
  maxConnections: number;
}

const tenth = (ms: number): number => Math.round(ms * 10) / 10;
const percentile = (times: number[], p: number): number => tenth(rawPercentile([...times].sort((a, b) => a - b), p));
const percentileOrNull = (times: number[], p: number): number | null => (times.length === 0 ? null : percentile(times, p));
// Not Math.min(...values): a spike has more answers than a call may take arguments.
const lowest = (values: number[]): number => values.reduce((min, value) => Math.min(min, value), Infinity);
const highest = (values: number[]): number => values.reduce((max, value) => Math.max(max, value), -Infinity);

/** Each second from `start` until the last answer arrived: what left in it and what arrived in it. */
export function overloadSeconds(answers: Answer[], live: LiveSample[], start: number): OverloadSecond[] {
  const last = Math.max(highest(answers.map((answer) => answer.at + answer.ms)), highest(live.map((sample) => sample.at)));
  const perSecond = Array.from({ length: Math.ceil((last - start) / 1000) }, (_, second) => ({ second, left: [] as Answer[], goodput: 0, refused: 0, live: [] as number[] }));
  const at = (ms: number) => perSecond[Math.min(perSecond.length - 1, Math.max(0, Math.floor((ms - start) / 1000)))]!;
  for (const answer of answers) {
    at(answer.at).left.push(answer);
    if (answer.kind === 'ok') at(answer.at + answer.ms).goodput++;
    if (answer.kind === 'refused') at(answer.at + answer.ms).refused++;
  }
  for (const sample of live) at(sample.at).live.push(sample.ms < 0 ? liveTimeoutMs : sample.ms);
  return perSecond.map(({ second, left, goodput, refused, live: probes }) => {
    const kinds = countKinds(left);
    return {
      second,
      sent: left.length,
      goodput,
      refused,
      p99Ms: percentile(left.map((answer) => answer.ms), 99),
      okP99Ms: percentileOrNull(left.filter((answer) => answer.kind === 'ok').map((answer) => answer.ms), 99),
      refusedP99Ms: percentileOrNull(left.filter((answer) => answer.kind === 'refused').map((answer) => answer.ms), 99),
      timeouts: kinds.timeout,
      connectionErrors: kinds.connection,
      otherErrors: kinds.other + kinds.generator,
      liveMaxMs: probes.length === 0 ? null : tenth(Math.max(...probes)),
    };
  });
}

/** One spike through Nginx at `edgePort`; `cluster` is the PM2 cluster behind it (for its restarts). */
export async function spikeRun(edgePort: number, cluster: Cluster, targets: PlannedRequest[], capacity: number, shape: SpikeShape): Promise<SpikeFigures> {
  const baseRate = Math.round(capacity * baseShare);
  const spikeRate = Math.round(capacity * shape.multiple);
  const settledBefore = await settled(edgePort);
  const restartsBefore = await restarts(cluster);
  const probe = probeLive(edgePort, 100, liveTimeoutMs);
  const sendingSeconds = shape.leadSeconds + shape.spikeSeconds + shape.afterSeconds;
  const step = { rate: spikeRate - baseRate, fromSeconds: shape.leadSeconds, seconds: shape.spikeSeconds };
  // The search's generator and its opened connections, with room for twice as many at the spike.
  const { answers: all } = await attack(edgePort, targets, baseRate, sendingSeconds, { ...generatorOptions(shape.maxConnections), maxConnections: 2 * shape.maxConnections, step });
  const live = await probe.stop();
  const restartsAfter = await restarts(cluster);

  const start = lowest(all.map((answer) => answer.at));
  const perSecond = overloadSeconds(all, live, start);
  // The schedule's step, in seconds from the attack's start (its first request leaves 1/baseRate s in).
  const spikeFrom = step.fromSeconds;
  const spikeTo = step.fromSeconds + step.seconds;
  const inSpike = all.filter((answer) => answer.at - start >= spikeFrom * 1000 && answer.at - start <= spikeTo * 1000);
  // The spike's whole seconds (a spike starting or ending within a second leaves that second out).
  const whole = perSecond.filter((s) => s.second >= Math.ceil(spikeFrom) && s.second + 1 <= Math.floor(spikeTo));
  const goodputs = whole.map((s) => s.goodput);
  const liveTimes = live.filter((sample) => sample.ms >= 0).map((sample) => sample.ms);
  // Only the seconds requests were sent in: the late answers' seconds after them have no requests of their own.
  const sentSeconds = perSecond.slice(0, sendingSeconds);
  // The seconds the recovery is read from (recoveredAfter's), the first holding the spike's end.
  const afterSpike = sentSeconds.slice(Math.floor(spikeTo));
  return {
    multiple: shape.multiple,
    capacity,
    baseRate,
    spikeRate,
    spikeFrom: tenth(spikeFrom),
    spikeTo: tenth(spikeTo),
    goodputMin: goodputs.length === 0 ? 0 : lowest(goodputs),
    goodputMean: goodputs.length === 0 ? 0 : Math.round(goodputs.reduce((sum, count) => sum + count, 0) / goodputs.length),
    okP99Ms: percentileOrNull(inSpike.filter((answer) => answer.kind === 'ok').map((answer) => answer.ms), 99),
    refusedP99Ms: percentileOrNull(inSpike.filter((answer) => answer.kind === 'refused').map((answer) => answer.ms), 99),
    spikeKinds: countKinds(inSpike),
    kinds: countKinds(all),
    recoveredAfterSeconds: recoveredAfter(
      sentSeconds.map((s) => ({ count: s.sent, p99Ms: s.p99Ms })),
      spikeTo,
      capacityP99Ms,
    ),
    afterSpike: {
      firstP99Ms: afterSpike[0]?.p99Ms ?? null,
      slowSeconds: afterSpike.slice(1).filter((s) => s.sent === 0 || s.p99Ms > capacityP99Ms).map((s) => ({ second: s.second, sent: s.sent, p99Ms: s.p99Ms })),
    },
    live: {
      count: live.length,
      failed: live.length - liveTimes.length,
      p99Ms: percentile(liveTimes, 99),
      maxMs: tenth(Math.max(0, highest(liveTimes))),
      over100Ms: live.filter((sample) => sample.ms < 0 || sample.ms > 100).length,
    },
    restarts: restartsAfter - restartsBefore,
    settledBefore,
    perSecond,
  };
}
