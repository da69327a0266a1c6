import type { AuthorizationRequest, ConnectorId } from "../../index.js";

interface ConnectLink {
  url: string;
  expiresAt: Date;
}

/**
 * The authorization links still worth opening: those of the wait in progress and those `/connect`
 * handed out that are neither used (the account became ACTIVE) nor expired. `/open` and
 * `/connections` read from here; nothing here calls Scalekit.
 */
export class PendingLinks {
  #wait: AuthorizationRequest[] = [];
  readonly #connect = new Map<ConnectorId, ConnectLink>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  setWait(requests: readonly AuthorizationRequest[]): void {
    this.#wait = [...requests];
    for (const request of requests) this.#connect.delete(request.connector as ConnectorId);
  }

  clearWait(): void {
    this.#wait = [];
  }

  addConnect(connector: ConnectorId, link: ConnectLink): void {
    this.#connect.set(connector, link);
  }

  /** The connector is connected (or disconnected): its link is no longer pending. */
  settle(connector: string): void {
    this.#connect.delete(connector as ConnectorId);
    this.#wait = this.#wait.filter((request) => request.connector !== connector);
  }

  clear(): void {
    this.#wait = [];
    this.#connect.clear();
  }

  /** The pending link of one connector, if any. */
  linkFor(connector: string): string | undefined {
    const waiting = this.#wait.find((request) => request.connector === connector);
    if (waiting) return waiting.url;
    const link = this.#connect.get(connector as ConnectorId);
    return link && link.expiresAt.getTime() > this.#now() ? link.url : undefined;
  }

  /** Every pending link, the wait's first. */
  all(): string[] {
    const now = this.#now();
    const connect = [...this.#connect.values()].filter((link) => link.expiresAt.getTime() > now);
    return [...new Set([...this.#wait.map((request) => request.url), ...connect.map((link) => link.url)])];
  }
}
