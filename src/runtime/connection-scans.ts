import type { ConnectionState } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { PollBudget } from "./poll-budget.js";

/** Below this many users waiting on a connection, looking each up is as cheap as a scan. */
const SCAN_MIN_USERS = 3;
/** Accounts per page of a connection (what the adapter asks for). */
const PAGE_SIZE = 100;

interface Scan {
  token: string;
  startedAt: number;
  /** Every account listed so far, by identifier. */
  listed: Map<string, ConnectionState>;
}

/**
 * Checks many users of one connection at once: pages of every user's accounts on it (one call
 * per hundred), when that takes fewer calls than a look-up per waiting user. A scan the budget
 * cuts short goes on in the next round.
 */
export class ConnectionScans {
  readonly #auth: CachedAgentAuth;
  readonly #now: () => number;
  /** How many pages a full scan of each connection took last time. */
  readonly #pages = new Map<string, number>();
  readonly #running = new Map<string, Scan>();
  /** Scans that completed in the current round. */
  readonly #done = new Map<string, Scan & { finishedAt: number }>();

  constructor(auth: CachedAgentAuth, now: () => number = Date.now) {
    this.#auth = auth;
    this.#now = now;
  }

  /** Whether scanning `connection` is cheaper than looking up `users` users one by one. */
  worthScanning(connection: string, users: number): boolean {
    if (!this.#auth.canScan || users < SCAN_MIN_USERS) return false;
    const pages = this.#pages.get(connection);
    return this.#running.has(connection) || pages === undefined || pages < users;
  }

  /** Scans (or goes on scanning) `connection` while the budget lasts, leaving it `keep` calls. */
  async scan(connection: string, budget: PollBudget, keep = 0): Promise<void> {
    const scan = this.#running.get(connection) ?? { token: "", startedAt: this.#now(), listed: new Map() };
    this.#running.set(connection, scan);
    while (budget.spend(keep)) {
      let page: Awaited<ReturnType<CachedAgentAuth["scanConnection"]>>;
      try {
        page = await this.#auth.scanConnection(connection, scan.token);
      } catch (error) {
        this.#running.delete(connection);
        throw error;
      }
      for (const account of page.accounts) scan.listed.set(account.identifier, account.state);
      this.#pages.set(connection, Math.max(1, Math.ceil(page.totalSize / PAGE_SIZE)));
      scan.token = page.nextPageToken;
      if (scan.token === "") {
        this.#running.delete(connection);
        this.#done.set(connection, { ...scan, finishedAt: this.#now() });
        return;
      }
    }
  }

  /**
   * A user's status on a connection by a scan completed since `since`: what it listed, or
   * NOT_FOUND when it listed no account of that user.
   */
  statusAfterScan(connection: string, identifier: string, since: number): ConnectionState | undefined {
    const scan = this.#done.get(connection);
    if (!scan || scan.finishedAt < since) return undefined;
    return scan.listed.get(identifier) ?? { connection, status: "NOT_FOUND" };
  }

  /** Forgets the accounts of completed scans (they are in the status cache as well). */
  endRound(): void {
    this.#done.clear();
  }
}
