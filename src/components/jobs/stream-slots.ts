/**
 * The open event streams of this process, counted per account: one account cannot hold
 * more than `maxPerAccount` at once (each stream holds a socket and a Redis listener).
 */
export class StreamSlots {
  private readonly perAccount = new Map<string, number>();
  private total = 0;

  constructor(private readonly maxPerAccount: number) {}

  /** A slot for one more stream of `accountId`, or null at the cap. Releasing twice is harmless. */
  take(accountId: string): (() => void) | null {
    const held = this.perAccount.get(accountId) ?? 0;
    if (held >= this.maxPerAccount) return null;
    this.perAccount.set(accountId, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perAccount.get(accountId) ?? 1) - 1;
      if (left === 0) this.perAccount.delete(accountId);
      else this.perAccount.set(accountId, left);
    };
  }

  open(): number {
    return this.total;
  }
}
