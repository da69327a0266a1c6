/**
 * A token bucket for the watcher's Scalekit calls: `perSecond` calls a second on average, up to
 * one second's worth at once. The calls made while threads wait never grow with their number.
 */
export class PollBudget {
  readonly #perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, now: () => number) {
    this.#perSecond = perSecond;
    this.#now = now;
    this.#tokens = perSecond;
    this.#at = now();
  }

  /** Whole calls that may be made now. */
  available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** Takes one call from the budget, leaving `keep` calls for others; false when it cannot. */
  spend(keep = 0): boolean {
    this.#refill();
    if (this.#tokens < 1 + keep) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until one more call may be made. */
  msUntilNext(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000);
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#perSecond, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
  }
}
