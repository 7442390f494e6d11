import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../support/ports';
import { spawnApi, startApiProcess } from '../support/api-process';
import { testEnvironment } from '../support/test-env';
import { portAccepts, waitFor } from '../support/wait';

/** A client that has sent only part of its request: the server holds it as in flight. */
async function startSlowRequest(port: number, path: string): Promise<{ socket: Socket; finish(): Promise<string> }> {
  const socket = connect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = once(socket, 'close');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  return {
    socket,
    async finish() {
      socket.write('Connection: keep-alive\r\n\r\n');
      await closed;
      return received;
    },
  };
}

describe('graceful shutdown of a real API process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('on %s finishes the in-flight request, refuses new connections, exits 0', async (signal) => {
    const api = await startApiProcess();
    const slow = await startSlowRequest(api.port, '/live');
    await delay(100);

    api.child.kill(signal);
    await waitFor('the listener to close', async () => !(await portAccepts(api.port)), 5000);
    expect(api.child.exitCode).toBeNull();

    const response = await slow.finish();
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toMatch(/\r\nConnection: close\r\n/i);
    expect(await api.exitCode).toBe(0);
    expect(api.output()).toContain('shutdown complete');
  });

  it('closes a keep-alive connection whose request was already being handled at the signal', async () => {
    const api = await startApiProcess();
    const socket = connect({ port: api.port, host: '127.0.0.1' });
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = once(socket, 'close');
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' });
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body.slice(0, 5)}`,
    );
    await delay(200);
    const started = performance.now();
    api.child.kill('SIGTERM');
    await delay(200);
    socket.write(body.slice(5));
    await closed;
    // Closed as soon as its response is written, not at the keep-alive timeout (65 s) nor at
    // the end of the idle grace (the process may still wait that long for other connections).
    expect(performance.now() - started).toBeLessThan(2500);
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
    expect(await api.exitCode).toBe(0);
  });

  it('leaves an idle keep-alive connection to its client during the grace, and answers a request on it with Connection: close', async () => {
    const api = await startApiProcess({ SHUTDOWN_READINESS_DELAY_MS: '0', SHUTDOWN_IDLE_GRACE_MS: '2000' });
    const idle = connect({ port: api.port, host: '127.0.0.1' });
    await once(idle, 'connect');
    idle.write('GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await once(idle, 'data');
    let ended = false;
    idle.on('end', () => (ended = true));
    api.child.kill('SIGTERM');
    // A proxy reusing its pooled connection now must not meet a closing socket.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ended).toBe(false);
    let answer = '';
    idle.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    idle.write('GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await once(idle, 'end');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(await api.exitCode).toBe(0);
  });

  it('closes idle keep-alive connections itself after SHUTDOWN_IDLE_GRACE_MS, not at their timeout', async () => {
    const api = await startApiProcess({ SHUTDOWN_READINESS_DELAY_MS: '0', SHUTDOWN_IDLE_GRACE_MS: '1000' });
    const idle = connect({ port: api.port, host: '127.0.0.1' });
    await once(idle, 'connect');
    idle.write('GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await once(idle, 'data');
    const started = performance.now();
    api.child.kill('SIGTERM');
    expect(await api.exitCode).toBe(0);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(4000);
    idle.destroy();
  });

  it('exits 1 when in-flight work outlasts SHUTDOWN_TIMEOUT_MS', async () => {
    const api = await startApiProcess({ SHUTDOWN_TIMEOUT_MS: '700' });
    const stuck = await startSlowRequest(api.port, '/live');
    const started = performance.now();
    api.child.kill('SIGTERM');
    expect(await api.exitCode).toBe(1);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(5000);
    expect(api.output()).toContain('shutdown timed out');
    stuck.socket.destroy();
  });
});

describe('start-up with a bad environment', () => {
  it('exits 1 with one line naming the variable', async () => {
    const port = await freePort();
    const started = spawnApi(testEnvironment({ PORT: String(port), MONGODB_POOL_MAX: 'many' }));
    expect(await started.exitCode).toBe(1);
    const lines = started.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/MONGODB_POOL_MAX/);
  });
});
