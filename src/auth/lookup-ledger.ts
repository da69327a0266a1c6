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
 * concurrent look-ups of one key share a call. Keys may belong to a group (e.g. one user's keys),
 * which can be invalidated whole, including keys nothing has stored yet.
 */
export class LookupLedger {
  readonly #now: () => number;
  readonly #groupOf: (key: string) => string;
  /** A counter that orders look-ups and invalidations. */
  #seq = 0;
  /** Per key, the stamp of its latest invalidation. */
  readonly #invalidated = new Map<string, Stamp>();
  /** Per group, the stamp of its latest invalidation. */
  readonly #groups = new Map<string, Stamp>();
  readonly #inFlight = new Map<string, Flight>();

  constructor(now: () => number, groupOf: (key: string) => string = () => "") {
    this.#now = now;
    this.#groupOf = groupOf;
  }

  /** A new point in the order, standing for wall time `at` (default now). */
  stamp(at: number = this.#now()): Stamp {
    return { seq: ++this.#seq, at };
  }

  invalidate(key: string): void {
    this.#invalidated.set(key, this.stamp());
  }

  /** Invalidates every key of `group`, those in flight or never seen included. */
  invalidateGroup(group: string): void {
    this.#groups.set(group, this.stamp());
  }

  /** Whether `key` (or its group) was invalidated after the point `seq`. */
  invalidatedSince(key: string, seq: number): boolean {
    return (this.#latest(key)?.seq ?? 0) > seq;
  }

  /** The wall time of the latest invalidation of `key` (or its group), or -Infinity. */
  invalidatedAt(key: string): number {
    return this.#latest(key)?.at ?? Number.NEGATIVE_INFINITY;
  }

  #latest(key: string): Stamp | undefined {
    const own = this.#invalidated.get(key);
    const group = this.#groups.get(this.#groupOf(key));
    if (!own || !group) return own ?? group;
    return own.seq > group.seq ? own : group;
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
    return this.#invalidated.size + this.#groups.size;
  }

  /** Forgets invalidations once no look-up is in flight (only those could be overtaken by one). */
  prune(): void {
    if (this.#inFlight.size > 0) return;
    this.#invalidated.clear();
    this.#groups.clear();
  }
}
