/** A call in flight, numbered and timed when it began. */
export interface Flight {
  promise: Promise<unknown>;
  /** Sequence number and wall time at which the call began. */
  seq: number;
  at: number;
}

/** A point in the ledger's order: a sequence number and the wall time it stands for. */
export interface Stamp {
  seq: number;
  at: number;
}

/**
 * Orders look-ups against invalidations, so a cache never stores what a look-up found when the
 * key was invalidated after that look-up began (a webhook that lands mid-call wins), and lets
 * concurrent look-ups of one key share a call.
 */
export class LookupLedger {
  readonly #now: () => number;
  /** A counter that orders look-ups and invalidations. */
  #seq = 0;
  /** Per key, the stamp of its latest invalidation. */
  readonly #invalidated = new Map<string, Stamp>();
  readonly #inFlight = new Map<string, Flight>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** A new point in the order, standing for wall time `at` (default now). */
  stamp(at: number = this.#now()): Stamp {
    return { seq: ++this.#seq, at };
  }

  invalidate(key: string): void {
    this.#invalidated.set(key, this.stamp());
  }

  /** Whether `key` was invalidated after the point `seq`. */
  invalidatedSince(key: string, seq: number): boolean {
    return (this.#invalidated.get(key)?.seq ?? 0) > seq;
  }

  /** The wall time of the latest invalidation of `key`, or -Infinity. */
  invalidatedAt(key: string): number {
    return this.#invalidated.get(key)?.at ?? Number.NEGATIVE_INFINITY;
  }

  /** A call that no later caller shares. */
  start(run: () => Promise<unknown>): Flight {
    return { promise: run(), ...this.stamp() };
  }

  /** Shares a call in flight when `fits` accepts it, else starts one (which later callers share). */
  join(flightKey: string, fits: (flight: Flight) => boolean, run: () => Promise<unknown>): Flight {
    const existing = this.#inFlight.get(flightKey);
    if (existing && fits(existing)) return existing;
    const flight: Flight = { promise: Promise.resolve(), ...this.stamp() };
    flight.promise = run().finally(() => {
      if (this.#inFlight.get(flightKey) === flight) this.#inFlight.delete(flightKey);
    });
    this.#inFlight.set(flightKey, flight);
    return flight;
  }

  /** Shares any call in flight under `flightKey`. */
  single<T>(flightKey: string, run: () => Promise<T>): Promise<T> {
    return this.join(flightKey, () => true, run).promise as Promise<T>;
  }

  get size(): number {
    return this.#invalidated.size;
  }

  /** Forgets invalidations once no look-up is in flight (only those could be overtaken by one). */
  prune(): void {
    if (this.#inFlight.size === 0) this.#invalidated.clear();
  }
}
