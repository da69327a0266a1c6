import type { AuthorizationLink, LinkOptions } from "./agent-auth.js";

interface CachedLink {
  link: AuthorizationLink;
  reuseUntil: number;
}

/**
 * Authorization links per user and connection, per link scope, so a thread's verified link is
 * never handed to another thread, and an open link is reused until shortly before it lapses
 * instead of minting one per model call.
 */
export class LinkCache {
  readonly #margin: number;
  readonly #now: () => number;
  readonly #links = new Map<string, Map<string, CachedLink>>();
  /** Per account, the link being issued now: the next waits for it (see `inTurn`). */
  readonly #issuing = new Map<string, Promise<unknown>>();

  /** @param marginMs links are reused until this long before they expire. */
  constructor(marginMs: number, now: () => number) {
    this.#margin = marginMs;
    this.#now = now;
  }

  get size(): number {
    return this.#links.size;
  }

  /**
   * Runs `issue` once the account's link being issued before it (any scope) is done. One
   * account's links are then recorded as the latest in the order Scalekit made them: two at once
   * (two threads, a /connect) could otherwise record the older one last, and each side would
   * refuse the link the other keeps.
   */
  async inTurn<T>(accountKey: string, issue: () => Promise<T>): Promise<T> {
    const next = (this.#issuing.get(accountKey) ?? Promise.resolve()).then(issue, issue);
    this.#issuing.set(accountKey, next);
    try {
      return await next;
    } finally {
      if (this.#issuing.get(accountKey) === next) this.#issuing.delete(accountKey);
    }
  }

  /** The scope-qualified key of a link, for sharing one link request among concurrent callers. */
  flightKey(accountKey: string, options: LinkOptions | undefined): string {
    return `${accountKey}\u0000${scopeOf(options)}`;
  }

  get(accountKey: string, options: LinkOptions | undefined): AuthorizationLink | undefined {
    const scopes = this.#links.get(accountKey);
    const scope = scopeOf(options);
    const cached = scopes?.get(scope);
    if (!scopes || !cached) return undefined;
    if (cached.reuseUntil > this.#now()) return cached.link;
    scopes.delete(scope);
    return undefined;
  }

  set(accountKey: string, options: LinkOptions | undefined, link: AuthorizationLink): void {
    const scopes = this.#links.get(accountKey) ?? new Map<string, CachedLink>();
    scopes.set(scopeOf(options), {
      link,
      reuseUntil: Math.min(
        link.expiresAt.getTime() - this.#margin,
        options?.reuseUntil?.getTime() ?? Number.POSITIVE_INFINITY,
      ),
    });
    this.#links.set(accountKey, scopes);
  }

  /** Drops an account's links, so the next request creates a fresh one. */
  forget(accountKey: string): void {
    this.#links.delete(accountKey);
  }

  /** Drops the links of every account whose key starts with `prefix` (one user's). */
  forgetPrefix(prefix: string): void {
    for (const accountKey of this.#links.keys())
      if (accountKey.startsWith(prefix)) this.#links.delete(accountKey);
  }

  /** Drops lapsed links, so users who never come back do not pile up. */
  sweep(): void {
    const now = this.#now();
    for (const [accountKey, scopes] of this.#links) {
      for (const [scope, cached] of scopes) if (cached.reuseUntil <= now) scopes.delete(scope);
      if (scopes.size === 0) this.#links.delete(accountKey);
    }
  }
}

/** Links with no options share one scope; verified links are keyed by where they lead and whom for. */
function scopeOf(options: LinkOptions | undefined): string {
  if (!options?.userVerifyUrl && !options?.state && !options?.scope) return "";
  return JSON.stringify([options.userVerifyUrl ?? "", options.scope ?? options.state ?? ""]);
}
