import type { ConnectionOverview, ConnectorId } from "../../index.js";

export interface ConnectWatchOptions {
  /** The person's connections (`runtime.listConnections`: ACTIVE statuses come from its cache). */
  list: () => Promise<ConnectionOverview[]>;
  /** A watched connector became ACTIVE. */
  onConnected: (connector: ConnectorId) => void;
  onError?: (error: unknown) => void;
  initialMs?: number;
  maxMs?: number;
  backoff?: number;
  now?: () => number;
}

/**
 * Notices when a link handed out by `/connect` has been used. That is not a thread wait, so no
 * runtime event reports it: this polls the person's statuses (0.5 s, backing off to 5 s) while
 * at least one such link is outstanding, and stops at each link's expiry.
 */
export class ConnectWatch {
  readonly #options: ConnectWatchOptions;
  readonly #watched = new Map<ConnectorId, number>();
  #timer: NodeJS.Timeout | undefined;
  #interval: number;
  #stopped = false;

  constructor(options: ConnectWatchOptions) {
    this.#options = options;
    this.#interval = options.initialMs ?? 500;
  }

  /** Watch `connector` until it is ACTIVE or `until` has passed. */
  watch(connector: ConnectorId, until: Date): void {
    if (this.#stopped) return;
    this.#watched.set(connector, until.getTime());
    this.#interval = this.#options.initialMs ?? 500;
    this.#schedule();
  }

  forget(connector: string): void {
    this.#watched.delete(connector as ConnectorId);
  }

  /** Forget every link (e.g. after `/user`: they were another person's). */
  clear(): void {
    this.#watched.clear();
  }

  get size(): number {
    return this.#watched.size;
  }

  stop(): void {
    this.#stopped = true;
    this.#watched.clear();
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || this.#watched.size === 0) return;
    this.#timer = setTimeout(() => void this.#check(), this.#interval);
    // The REPL holds the event loop while it runs; a watch must not keep a closing process up.
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    const now = (this.#options.now ?? Date.now)();
    for (const [connector, until] of this.#watched) if (until <= now) this.#watched.delete(connector);
    if (this.#watched.size === 0) return;
    try {
      const overview = await this.#options.list();
      for (const item of overview) {
        if (item.status === "ACTIVE" && this.#watched.delete(item.connector) && !this.#stopped) {
          this.#options.onConnected(item.connector);
        }
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
    this.#interval = Math.min(this.#options.maxMs ?? 5_000, this.#interval * (this.#options.backoff ?? 1.5));
    this.#schedule();
  }
}
