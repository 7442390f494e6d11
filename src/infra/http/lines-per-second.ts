/**
 * At most `limit` lines a second, counting the ones left out so the next written line can
 * say how many there were. Per process, without timers: a window starts at the first line
 * after the previous window ended.
 */
export class LinesPerSecond {
  private windowStart = 0;
  private used = 0;
  private skipped = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(): boolean {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < this.limit) {
      this.used++;
      return true;
    }
    this.skipped++;
    return false;
  }

  /** The lines left out since the last call. */
  takeSkipped(): number {
    const skipped = this.skipped;
    this.skipped = 0;
    return skipped;
  }
}
