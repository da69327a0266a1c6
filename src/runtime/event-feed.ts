import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PollBudget } from "./poll-budget.js";

/** Events may be recorded a little after they occurred: each read looks this far back again. */
const OVERLAP_MS = 30_000;
/** After a failed read, the feed is left alone this long (the watcher polls instead). */
const RETRY_AFTER_MS = 10 * 60_000;

/**
 * Scalekit's event feed as the watcher reads it: every connected-account change since the last
 * read, a page (one call) at a time, newest first, so one call can cover every waiting thread.
 * What the events say goes into the status cache; the watcher learns whose accounts changed.
 */
export class AccountEventFeed {
  readonly #auth: CachedAgentAuth;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** Where the next read starts (ms since the epoch), before the overlap. */
  #since: number;
  /** Events already handled, with when they occurred, for the overlap. */
  readonly #seen = new Map<string, number>();
  #pageToken = "";
  #readStartedAt = 0;
  #changed = new Set<string>();
  #disabledUntil = 0;
  #lastEventAt = Number.NEGATIVE_INFINITY;

  constructor(options: { auth: CachedAgentAuth; logger: Logger; now: () => number }) {
    this.#auth = options.auth;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#since = options.now();
  }

  /** Whether the feed can be read now (the port has one and it has not just failed). */
  get usable(): boolean {
    return this.#auth.hasEventFeed && this.#now() >= this.#disabledUntil;
  }

  /** When the feed last reported an event: a feed that reports events is a feed that works. */
  get lastEventAt(): number {
    return this.#lastEventAt;
  }

  /**
   * Reads what is new, within the budget, leaving `keep` calls in it for the due checks (a burst
   * of events spans many pages; the rest is read on later rounds). Resolves to the identifiers
   * whose accounts changed once a read is complete; undefined while one is still under way (out
   * of budget) or after a failure.
   */
  async read(budget: PollBudget, keep = 0): Promise<Set<string> | undefined> {
    if (this.#pageToken === "") {
      this.#readStartedAt = this.#now();
      this.#changed = new Set();
    }
    const since = new Date(this.#since - OVERLAP_MS);
    while (budget.spend(keep)) {
      let page: Awaited<ReturnType<CachedAgentAuth["accountEvents"]>>;
      try {
        page = await this.#auth.accountEvents(since, this.#pageToken);
      } catch (error) {
        this.#pageToken = "";
        this.#disabledUntil = this.#now() + RETRY_AFTER_MS;
        this.#logger.warn(
          { error: errorMessage(error) },
          "Scalekit's event feed could not be read; polling account statuses instead",
        );
        return undefined;
      }
      let fresh = 0;
      for (const event of page.events) {
        if (this.#seen.has(event.id)) continue;
        fresh += 1;
        this.#lastEventAt = this.#now();
        this.#seen.set(event.id, event.occurredAt.getTime());
        this.#changed.add(event.identifier);
      }
      // Newest first: a page with nothing new means everything older was read before.
      this.#pageToken = fresh === 0 ? "" : page.nextPageToken;
      if (this.#pageToken === "") {
        this.#since = this.#readStartedAt;
        const horizon = this.#since - OVERLAP_MS;
        for (const [id, at] of this.#seen) if (at < horizon) this.#seen.delete(id);
        return this.#changed;
      }
    }
    return undefined;
  }
}
