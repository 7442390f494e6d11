import { misses, NoRateHeld, searchRate, warmUpSettings } from '../../scripts/benchmarks/overload/capacity.mts';
import { mixMisses } from '../../scripts/benchmarks/report/mix-search.mts';
import { overloadSeconds } from '../../scripts/benchmarks/overload/spike.mts';
import { recoveredAfter } from '../../scripts/benchmarks/overload/stall-run.mts';
import { answerOf, type Answer, type OpenModelResult } from '../../scripts/benchmarks/report/open-model.mts';

/** The arithmetic behind the overload figures of `./scripts/bench spike` and `report`, on fixed inputs rather than a 20-minute run. */

// vegeta 12.13's CSV (`vegeta encode --to=csv`), recorded from a server answering each way.
const lines = {
  ok: '1796571686253472751,200,4565655,0,0,,,,0,GET,http://127.0.0.1:3177/ok,Q29ubmVjdGlvbjoga2VlcC1hbGl2ZQ0KQ29udGVudC1MZW5ndGg6IDINCkRhdGU6IFN1biwgMDYgRGVjIDIwMjYgMTU6NDE6MjYgR01UDQpLZWVwLUFsaXZlOiB0aW1lb3V0PTUNCg0K',
  refused503:
    '1796571687265586478,503,1710403,0,0,503 Service Unavailable,,,0,GET,http://127.0.0.1:3177/refused,Q29ubmVjdGlvbjoga2VlcC1hbGl2ZQ0KQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9qc29uDQpEYXRlOiBTdW4sIDA2IERlYyAyMDI2IDE1OjQxOjI3IEdNVA0KS2VlcC1BbGl2ZTogdGltZW91dD01DQpSZXRyeS1BZnRlcjogMQ0KDQo=',
  bare503:
    '1796571688279192732,503,1300490,0,0,503 Service Unavailable,,,0,GET,http://127.0.0.1:3177/bare503,Q29ubmVjdGlvbjoga2VlcC1hbGl2ZQ0KRGF0ZTogU3VuLCAwNiBEZWMgMjAyNiAxNTo0MToyOCBHTVQNCktlZXAtQWxpdmU6IHRpbWVvdXQ9NQ0KDQo=',
  refused429:
    '1796571689296427825,429,1736086,0,0,429 Too Many Requests,,,0,GET,http://127.0.0.1:3177/limited,Q29ubmVjdGlvbjoga2VlcC1hbGl2ZQ0KRGF0ZTogU3VuLCAwNiBEZWMgMjAyNiAxNTo0MToyOSBHTVQNCktlZXAtQWxpdmU6IHRpbWVvdXQ9NQ0KUmV0cnktQWZ0ZXI6IDMNCg0K',
  timeout:
    '1796571690309300724,0,1000236949,0,0,"Get ""http://127.0.0.1:3177/slow"": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",,,0,GET,http://127.0.0.1:3177/slow,',
  refusedConnection:
    '1796571692323944114,0,646284,0,0,"Get ""http://127.0.0.1:3178/x"": dial tcp 0.0.0.0:0->127.0.0.1:3178: connect: connection refused",,,0,GET,http://127.0.0.1:3178/x,',
  outOfFiles:
    '1796571692323944114,0,646284,0,0,"Get ""http://127.0.0.1:3178/x"": dial tcp 127.0.0.1:3178: socket: too many open files",,,0,GET,http://127.0.0.1:3178/x,',
};

test("vegeta's answers: refusals are 503 or 429 with Retry-After; timeouts, connection errors and the generator's own limit apart", () => {
  expect(answerOf(lines.ok)).toEqual({ at: 1796571686253.4727, status: 200, ms: 4.565655, kind: 'ok' });
  expect(answerOf(lines.refused503).kind).toBe('refused');
  expect(answerOf(lines.refused429).kind).toBe('refused');
  expect(answerOf(lines.bare503).kind).toBe('other');
  expect(answerOf(lines.timeout)).toMatchObject({ status: 0, ms: 1000.236949, kind: 'timeout' });
  expect(answerOf(lines.refusedConnection).kind).toBe('connection');
  expect(answerOf(lines.outOfFiles).kind).toBe('generator');
});

test('per second: goodput and refusals by when they arrived, latency and failures by when the request left', () => {
  const answer = (at: number, ms: number, kind: Answer['kind']): Answer => ({ at, ms, status: kind === 'ok' ? 200 : kind === 'refused' ? 503 : 0, kind });
  const answers = [answer(0, 10, 'ok'), answer(100, 1500, 'ok'), answer(900, 2, 'refused'), answer(1200, 30_000, 'timeout'), answer(1300, 40, 'ok')];
  const seconds = overloadSeconds(
    answers,
    [
      { at: 50, ms: 3 },
      { at: 1500, ms: -1 },
    ],
    0,
  );
  expect(seconds).toHaveLength(32);
  expect(seconds[0]).toEqual({
    second: 0,
    sent: 3,
    goodput: 1,
    refused: 1,
    p99Ms: 1500,
    okP99Ms: 1500,
    refusedP99Ms: 2,
    timeouts: 0,
    connectionErrors: 0,
    otherErrors: 0,
    liveMaxMs: 3,
  });
  // The slow answer sent in second 0 arrives in second 1; the timeout counts where it left; a failed probe as its 5 s timeout.
  expect(seconds[1]).toEqual({
    second: 1,
    sent: 2,
    goodput: 2,
    refused: 0,
    p99Ms: 30_000,
    okP99Ms: 40,
    refusedP99Ms: null,
    timeouts: 1,
    connectionErrors: 0,
    otherErrors: 0,
    liveMaxMs: 5000,
  });
  expect(seconds[31]).toMatchObject({ sent: 0, goodput: 0, liveMaxMs: null });
});

test('recovered: from the end of the spike or stall until every later second has answers within the bound', () => {
  const seconds = [5, 9, 400, 300, 60, 20, 30, 10].map((p99Ms) => ({ count: 100, p99Ms }));
  expect(recoveredAfter(seconds, 2.5, 50)).toBe(2.5);
  expect(recoveredAfter(seconds, 2.5, 100)).toBe(1.5);
  expect(recoveredAfter([...seconds, { count: 0, p99Ms: 0 }], 2.5, 50)).toBeNull();
  expect(recoveredAfter(seconds, 6, 50)).toBe(0);
});

test('a run holds its rate with p99 ≤ 50 ms, every answer a 2xx (a thousandth of slack) and every request sent (a hundredth)', () => {
  const kinds = { ok: 10_000, refused: 0, timeout: 0, connection: 0, generator: 0, other: 0 };
  const run = { rate: 1000, seconds: 10, sent: 10_000, dropped: 0, p99Ms: 50, kinds } as OpenModelResult;
  expect(misses(run)).toEqual([]);
  expect(misses({ ...run, kinds: { ...kinds, ok: 9990, refused: 10 } })).toEqual([]);
  expect(misses({ ...run, p99Ms: 50.1, kinds: { ...kinds, ok: 9989, refused: 11 } })).toEqual(['p99', 'not 2xx']);
  expect(misses({ ...run, sent: 9900, dropped: 100, kinds: { ...kinds, ok: 9900 } })).toEqual([]);
  // The generator fell behind: the box answered what it got in time, the rate was not offered.
  expect(misses({ ...run, sent: 9899, dropped: 101, kinds: { ...kinds, ok: 9899 } })).toEqual(['never sent']);
  expect(misses({ ...run, sent: 0, kinds: { ...kinds, ok: 0 } })).toEqual(['p99']);
});

describe('the rate search', () => {
  /** A box that holds every rate up to `limit`, and whose first full-length runs fail `unlucky` times. */
  const box = (limit: number, unlucky = 0) => {
    const tried: string[] = [];
    let misses = unlucky;
    const holds = (rate: number, confirming: boolean): Promise<boolean> => {
      tried.push(`${rate}${confirming ? ' (full)' : ''}`);
      if (confirming && misses > 0) {
        misses--;
        return Promise.resolve(false);
      }
      return Promise.resolve(rate <= limit);
    };
    return { tried, holds };
  };

  test('doubles until a rate fails, bisects to 5 %, and confirms the highest that held', async () => {
    const { tried, holds } = box(1234);
    expect(await searchRate(holds, { start: 500, resolution: 0.05 })).toBe(1219);
    expect(tried).toEqual(['500', '1000', '2000', '1500', '1250', '1125', '1188', '1219', '1219 (full)']);
  });

  test('halves from a start the box cannot hold, and steps down 5 % when the full-length run fails', async () => {
    const { tried, holds } = box(300, 1);
    expect(await searchRate(holds, { start: 500, resolution: 0.05 })).toBe(283);
    expect(tried).toEqual(['500', '250', '375', '313', '282', '298', '306', '298 (full)', '283 (full)']);
  });

  test('gives up when not even the lowest rate holds', async () => {
    await expect(searchRate(box(5).holds, { start: 40, resolution: 0.05 })).rejects.toThrow('not even 10/s held a p99 ≤ 50 ms');
    await expect(searchRate(box(5).holds, { start: 40, resolution: 0.05 })).rejects.toBeInstanceOf(NoRateHeld);
  });

  test('gives up when short runs hold but no full-length run does, down to the lowest rate', async () => {
    const confirmed: number[] = [];
    const holds = (rate: number, confirming: boolean): Promise<boolean> => {
      if (confirming) confirmed.push(rate);
      return Promise.resolve(!confirming && rate <= 12);
    };
    await expect(searchRate(holds, { start: 12, resolution: 0.05 })).rejects.toBeInstanceOf(NoRateHeld);
    expect(confirmed).toEqual([12, 11, 10]);
  });
});

test("the mix's search: a run holds with its p95 ≤ 100 ms, no 5xx at all, at most 1 % other failures and the rate kept", () => {
  const run = { rate: 500, seconds: 10, sent: 5000, failed: 0, p95Ms: 40, statuses: { '200': 5000 } };
  expect(mixMisses(run)).toEqual([]);
  expect(mixMisses({ ...run, p95Ms: 100.1 })).toEqual(['p95']);
  expect(mixMisses({ ...run, failed: 1, statuses: { '200': 4999, '503': 1 } })).toEqual(['5xx']);
  expect(mixMisses({ ...run, failed: 50, statuses: { '200': 4950, '429': 50 } })).toEqual([]);
  expect(mixMisses({ ...run, failed: 51, statuses: { '200': 4949, '429': 51 } })).toEqual(['failures']);
  expect(mixMisses({ ...run, sent: 4700, statuses: { '200': 4700 } })).toEqual(['rate not kept']);
  expect(mixMisses({ ...run, sent: 0, statuses: {} })).toEqual(['p95', 'rate not kept']);
});

describe('the warm-up before the rate search', () => {
  const saved = { rate: process.env.BENCH_WARMUP_RATE, seconds: process.env.BENCH_WARMUP_SECONDS };
  afterEach(() => {
    for (const [name, value] of [
      ['BENCH_WARMUP_RATE', saved.rate],
      ['BENCH_WARMUP_SECONDS', saved.seconds],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is 1,000/s for 20 s unless set', () => {
    delete process.env.BENCH_WARMUP_RATE;
    delete process.env.BENCH_WARMUP_SECONDS;
    expect(warmUpSettings()).toEqual({ rate: 1000, seconds: 20 });
  });

  it('can be turned off with 0 seconds', () => {
    process.env.BENCH_WARMUP_SECONDS = '0';
    expect(warmUpSettings().seconds).toBe(0);
  });

  it('names the variable that is not a usable number', () => {
    process.env.BENCH_WARMUP_SECONDS = 'soon';
    expect(() => warmUpSettings()).toThrow(/BENCH_WARMUP_SECONDS must be a number ≥ 0, not 'soon'/);
    process.env.BENCH_WARMUP_SECONDS = '20';
    process.env.BENCH_WARMUP_RATE = '0';
    expect(() => warmUpSettings()).toThrow(/BENCH_WARMUP_RATE must be a number ≥ 1, not '0'/);
  });
});
