import { isInternalAddress } from '../../src/infra/http/internal-address';
import { LinesPerSecond } from '../../src/infra/http/lines-per-second';

describe('isInternalAddress', () => {
  it.each(['127.0.0.1', '127.0.0.3', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.20', '::1', '::ffff:127.0.0.1', '::ffff:10.0.0.7', 'fd12::1'])(
    '%s is internal',
    (address) => expect(isInternalAddress(address)).toBe(true),
  );

  it.each(['203.0.113.7', '172.32.0.1', '8.8.8.8', '::ffff:8.8.8.8', '2001:db8::1', '', 'localhost', '127.0.0.1, 10.0.0.1', undefined])(
    '%s is not',
    (address) => expect(isInternalAddress(address)).toBe(false),
  );
});

describe('LinesPerSecond', () => {
  it('allows the limit within a second, counts the rest, and starts again the next second', () => {
    let now = 10_000;
    const lines = new LinesPerSecond(3, () => now);
    expect([lines.take(), lines.take(), lines.take(), lines.take(), lines.take()]).toEqual([true, true, true, false, false]);
    expect(lines.takeSkipped()).toBe(2);
    expect(lines.takeSkipped()).toBe(0);
    now += 999;
    expect(lines.take()).toBe(false);
    now += 1;
    expect(lines.take()).toBe(true);
    expect(lines.takeSkipped()).toBe(1);
  });

  it('writes nothing at a limit of 0', () => {
    const lines = new LinesPerSecond(0, () => 0);
    expect(lines.take()).toBe(false);
    expect(lines.takeSkipped()).toBe(1);
  });
});
