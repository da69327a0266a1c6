import { randomSecret } from "./random-ids.js";

export interface MagicLinkRecord {
  readonly id: string;
  readonly url: string;
  readonly accountId: string;
  readonly createdAt: number;
  expiresAt: number;
  used: boolean;
  /** A newer link was issued for the same account before this one was used. */
  replaced: boolean;
  /**
   * Per-link secret embedded in the consent form: a POST must echo it (when required), so a form
   * posted from another page cannot stand in for the user's click.
   */
  readonly formToken: string;
  readonly state: string | undefined;
  readonly userVerifyUrl: string | undefined;
}

export type LinkState = "valid" | "expired" | "used" | "replaced" | "orphaned";

export interface IssueLinkOptions {
  state?: string | undefined;
  userVerifyUrl?: string | undefined;
}

/**
 * Magic links by id. Scalekit calls them one-time links; issuing a new one for an account retires
 * its older unused ones, so only the latest link a user was sent can connect the account.
 */
export class MagicLinks {
  readonly #links = new Map<string, MagicLinkRecord>();
  readonly #now: () => number;
  readonly #baseUrl: () => string;
  readonly #ttlMs: number;

  constructor(options: { now: () => number; baseUrl: () => string; ttlMs: number }) {
    this.#now = options.now;
    this.#baseUrl = options.baseUrl;
    this.#ttlMs = options.ttlMs;
  }

  issue(accountId: string, options: IssueLinkOptions = {}): MagicLinkRecord {
    const now = this.#now();
    for (const older of this.forAccount(accountId)) {
      if (!older.used && older.expiresAt > now) older.replaced = true;
    }
    const id = randomSecret("", 24);
    const link: MagicLinkRecord = {
      id,
      url: `${this.#baseUrl()}/magicLink/${id}`,
      accountId,
      createdAt: now,
      expiresAt: now + this.#ttlMs,
      used: false,
      replaced: false,
      formToken: randomSecret("", 24),
      state: options.state || undefined,
      userVerifyUrl: options.userVerifyUrl || undefined,
    };
    this.#links.set(id, link);
    return link;
  }

  get(id: string): MagicLinkRecord | undefined {
    return this.#links.get(id);
  }

  /** Oldest first. */
  forAccount(accountId: string): MagicLinkRecord[] {
    return [...this.#links.values()].filter((link) => link.accountId === accountId);
  }

  all(): MagicLinkRecord[] {
    return [...this.#links.values()];
  }

  /** Precedence: used, then replaced, then expired (what the page explains). */
  state(link: MagicLinkRecord, accountExists: boolean): LinkState {
    if (!accountExists) return "orphaned";
    if (link.used) return "used";
    if (link.replaced) return "replaced";
    if (link.expiresAt <= this.#now()) return "expired";
    return "valid";
  }

  expire(link: MagicLinkRecord): void {
    if (!link.used) link.expiresAt = Math.min(link.expiresAt, this.#now());
  }

  deleteForAccount(accountId: string): void {
    for (const [id, link] of this.#links) if (link.accountId === accountId) this.#links.delete(id);
  }
}
