import { withRunningTimeout, withTimeout } from '../../src/infra/with-timeout';

/** Keeps the event loop from running for `ms`, as a process starved of the CPU. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** An answer that arrives 100 ms after a 500 ms stall that began as the 300 ms wait did. */
async function answerAfterStall(wait: <T>(promise: Promise<T>, ms: number, what: string) => Promise<T>): Promise<string> {
  const answer = new Promise<string>((resolve) => setTimeout(() => resolve('answered'), 600));
  const waited = wait(answer, 300, 'the answer');
  stall(500);
  return waited.catch((error: unknown) => (error as Error).message);
}

describe('a timeout that counts only the time the process ran', () => {
  it('does not blame the server for a stall of the process itself', async () => {
    await expect(answerAfterStall(withRunningTimeout)).resolves.toBe('answered');
  });

  it('where a plain timer, fired late after the stall, would have', async () => {
    await expect(answerAfterStall(withTimeout)).resolves.toBe('the answer timed out after 300ms');
  });

  it('still times out a server that does not answer while the process runs', async () => {
    const started = performance.now();
    await expect(withRunningTimeout(new Promise(() => undefined), 300, 'the ping')).rejects.toThrow('the ping timed out after 300ms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('passes an answer or an error on as it comes', async () => {
    await expect(withRunningTimeout(Promise.resolve(7), 300, 'x')).resolves.toBe(7);
    await expect(withRunningTimeout(Promise.reject(new Error('refused')), 300, 'x')).rejects.toThrow('refused');
  });
});
