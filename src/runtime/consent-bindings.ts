import { randomBytes } from "node:crypto";
import { type Identity, sameIdentity } from "../auth/identity.js";
import { peekVerificationState } from "../auth/verification-state.js";

/** An authorization link as a person is shown it: Scalekit's magic link, for one connection. */
export interface ConsentLink {
  url: string;
  connection: string;
  expiresAt: Date | string;
  /**
   * The nonce of the state the link carries (the request's or `connect`'s `stateNonce`): the
   * browser that opens the start link may then finish this link only. Without it, no verify
   * redirect is accepted for the binding.
   */
  stateNonce?: string | undefined;
}

export interface ConsentBindingsOptions {
  /** How long a browser has, from opening a start link, to come back with consent (15 min). */
  ttlMs?: number;
  /** Bindings kept per user (a few tabs and retries; 16) and in all (4,096); past either, the oldest go. */
  maxPerUser?: number;
  maxTotal?: number;
  now?: () => number;
}

/** What opening a start link does: set the cookie and go on to the magic link, or not. */
export type ConsentStart =
  | { ok: true; location: string; cookie: { name: string; value: string; maxAgeSeconds: number } }
  | {
      ok: false;
      /**
       * `expired`: unknown or past its link's expiry; `other_user`: made for someone else;
       * `opened_elsewhere`: another browser opened it first (a start link binds one browser).
       */
      reason: "expired" | "other_user" | "opened_elsewhere";
      /** Who the link was made for (to say so), when it is known. */
      madeFor?: Identity | undefined;
    };

/** What the verify redirect may do with the browser's bindings. */
export type ConsentClaim =
  | {
      ok: true;
      /** The connection the browser started: pass it to `verifyUser`, which refuses a state for another. */
      connection: string;
      /** Call once `verifyUser` answered: a verified binding verifies nothing more. */
      finish(verified: boolean): void;
    }
  | {
      ok: false;
      /**
       * `no_binding`: this browser opened no start link of this user (the redirect may be someone
       * else's consent: login CSRF); `expired`: it opened one, but that flow is over (past its
       * time, pushed out by newer ones, or started before a restart), so the person starts again;
       * `wrong_connection`: it started another connection; `wrong_link`: it started this
       * connection, but with another link than the one the state belongs to; `replayed`: its
       * binding already verified; `in_progress`: another tab is verifying with it.
       */
      reason: "no_binding" | "expired" | "wrong_connection" | "wrong_link" | "replayed" | "in_progress";
    };

interface Start {
  link: ConsentLink;
  identity: Identity | undefined;
  expiresAt: number;
  /** The binding of the browser that opened it first: the only one it leads on. */
  openedBy?: string;
}

interface Binding {
  connection: string;
  /** The state of the link this browser opened: the only one it may finish. */
  stateNonce: string | undefined;
  identity: Identity;
  expiresAt: number;
  used?: boolean;
  pending?: boolean;
}

/** The cookie a start link sets is named this plus the start id. */
export const CONSENT_COOKIE_PREFIX = "delegate_flow_";
const DEFAULT_TTL_MS = 15 * 60_000;

/**
 * Binds each consent flow to the browser that started it, for Scalekit user verification.
 *
 * A signed state names the user a link was made for, but a browser session alone does not show
 * that this browser gave the consent: someone can complete a link with their own account and
 * send the verify redirect to the victim to click (login CSRF). So a person is shown a **start
 * link** of yours instead of the magic link (`present`); opening it as the link's user sets a
 * short-lived HttpOnly cookie holding a random binding and redirects to the magic link
 * (`start`); the verify route accepts the redirect only from a browser holding a binding for
 * that user and that very link (the state's nonce; `claim`), once. The REPL's loopback listener and
 * `examples/embedded-server.ts` both use it; it keeps its state in memory (one process).
 */
export class ConsentBindings {
  readonly #ttl: number;
  readonly #perUser: number;
  readonly #total: number;
  readonly #now: () => number;
  readonly #starts = new Map<string, Start>();
  /** Magic link → its start id, so showing a link again shows the same start link. */
  readonly #startOf = new Map<string, string>();
  /** Oldest first (a Map keeps insertion order), so the caps drop the oldest. */
  readonly #bindings = new Map<string, Binding>();

  constructor(options: ConsentBindingsOptions = {}) {
    this.#ttl = positive(options.ttlMs, DEFAULT_TTL_MS);
    this.#perUser = Math.max(1, Math.floor(positive(options.maxPerUser, 16)));
    this.#total = Math.max(1, Math.floor(positive(options.maxTotal, 4096)));
    this.#now = options.now ?? Date.now;
  }

  /** The start id to show for `link`, made for `identity` (the same id each time it is shown). */
  present(link: ConsentLink, identity: Identity | undefined): string {
    this.#sweepStarts();
    let id = this.#startOf.get(link.url);
    if (!id) {
      id = randomBytes(16).toString("base64url");
      this.#startOf.set(link.url, id);
    }
    const expiresAt = new Date(link.expiresAt).getTime();
    // Shown again, it still leads on only the browser that opened it.
    const openedBy = this.#starts.get(id)?.openedBy;
    this.#starts.set(id, {
      link,
      identity,
      expiresAt: Number.isNaN(expiresAt) ? this.#now() + this.#ttl : expiresAt,
      ...(openedBy === undefined ? {} : { openedBy }),
    });
    return id;
  }

  /**
   * Opening start link `id` as `opener` (who the app's session, or the REPL, acts for), from a
   * browser whose `Cookie` header is `cookieHeader`. The first browser to open it is bound; that
   * browser may open it again, any other is refused. Where the opener is only who the app acts
   * for (the REPL's user), a start URL read elsewhere (a process list, a log) is otherwise a way
   * to finish the consent with one's own account.
   */
  start(id: string, opener: Identity | undefined, cookieHeader?: string): ConsentStart {
    const start = this.#starts.get(id);
    const now = this.#now();
    if (!start || start.expiresAt <= now) return { ok: false, reason: "expired" };
    // Only the link's own user binds a browser: a forwarded start link leads nowhere.
    if (!start.identity || !opener || !sameIdentity(start.identity, opener)) {
      return { ok: false, reason: "other_user", madeFor: start.identity };
    }
    const cookie = `${CONSENT_COOKIE_PREFIX}${id}`;
    if (start.openedBy !== undefined) {
      const again = cookiesOf(cookieHeader).some(
        ([name, value]) => name === cookie && value === start.openedBy,
      );
      const binding = this.#bindings.get(start.openedBy);
      if (!again || !binding || binding.expiresAt <= now) return { ok: false, reason: "opened_elsewhere" };
      return {
        ok: true,
        location: start.link.url,
        cookie: cookieOf(cookie, start.openedBy, binding.expiresAt, now),
      };
    }
    const value = randomBytes(32).toString("base64url");
    start.openedBy = value;
    // No longer than the link it leads to lives.
    const expiresAt = Math.min(now + this.#ttl, start.expiresAt);
    this.#add(
      value,
      {
        connection: start.link.connection,
        stateNonce: start.link.stateNonce,
        identity: start.identity,
        expiresAt,
      },
      now,
    );
    return { ok: true, location: start.link.url, cookie: cookieOf(cookie, value, expiresAt, now) };
  }

  /**
   * The verify redirect, from a browser whose `Cookie` header is `cookieHeader`, for `identity`
   * (from the app's session, never from the redirect), with the redirect's `state`. On success
   * the binding is held until `finish`: a concurrent redirect with it is refused, not verified too.
   */
  claim(cookieHeader: string | undefined, identity: Identity, state: string): ConsentClaim {
    const now = this.#now();
    const held: Binding[] = [];
    let stale = false;
    for (const [name, value] of cookiesOf(cookieHeader)) {
      if (!name.startsWith(CONSENT_COOKIE_PREFIX)) continue;
      const binding = this.#bindings.get(value);
      // A binding of another user says nothing to this one: as if the cookie were not there.
      if (!binding || binding.expiresAt <= now) stale = true;
      else if (sameIdentity(binding.identity, identity)) held.push(binding);
    }
    if (held.length === 0) return { ok: false, reason: stale ? "expired" : "no_binding" };
    // Not a well-formed state: any binding may carry it to `verifyUser`, which refuses it unspent.
    const named = peekVerificationState(state);
    const mine = held.filter((binding) => named === undefined || binding.connection === named.connection);
    if (mine.length === 0) return { ok: false, reason: "wrong_connection" };
    // Only the link this browser opened: another unspent state for the same connection (someone
    // else's consent on another of the user's links) is not this browser's to finish.
    const exact = mine.filter((binding) => named === undefined || binding.stateNonce === named.nonce);
    // An unused binding first: a browser may hold a used one for the same link.
    const binding = exact.find((binding) => !binding.used && !binding.pending) ?? exact[0];
    if (!binding) return { ok: false, reason: "wrong_link" };
    if (binding.used) return { ok: false, reason: "replayed" };
    if (binding.pending) return { ok: false, reason: "in_progress" };
    binding.pending = true;
    return {
      ok: true,
      connection: binding.connection,
      finish(verified) {
        binding.pending = false;
        if (verified) binding.used = true;
      },
    };
  }

  /** Keeps a new binding within the caps: expired ones go, then the user's oldest, then the oldest. */
  #add(value: string, binding: Binding, now: number): void {
    let mine = 0;
    for (const [key, other] of this.#bindings) {
      if (other.expiresAt <= now) this.#bindings.delete(key);
      else if (sameIdentity(other.identity, binding.identity)) mine++;
    }
    for (const [key, other] of this.#bindings) {
      if (mine < this.#perUser) break;
      if (!sameIdentity(other.identity, binding.identity)) continue;
      this.#bindings.delete(key);
      mine--;
    }
    for (const key of this.#bindings.keys()) {
      if (this.#bindings.size < this.#total) break;
      this.#bindings.delete(key);
    }
    this.#bindings.set(value, binding);
  }

  #sweepStarts(): void {
    const now = this.#now();
    for (const [id, start] of this.#starts) {
      if (start.expiresAt + this.#ttl > now) continue;
      this.#starts.delete(id);
      this.#startOf.delete(start.link.url);
    }
  }
}

/**
 * The `Set-Cookie` value for a started flow: HttpOnly, SameSite=Lax, scoped to `path` (the
 * prefix of your start and verify routes), and `Secure` when your routes are served over HTTPS.
 */
export function consentCookieHeader(
  cookie: { name: string; value: string; maxAgeSeconds: number },
  options: { path: string; secure?: boolean },
): string {
  const secure = options.secure ? "; Secure" : "";
  return `${cookie.name}=${cookie.value}; Path=${options.path}; Max-Age=${cookie.maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

/** `value` when it is a positive finite number, else `fallback` (a NaN cap would empty the store). */
function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function cookieOf(name: string, value: string, expiresAt: number, now: number) {
  return { name, value, maxAgeSeconds: Math.max(1, Math.floor((expiresAt - now) / 1000)) };
}

/** A `Cookie` header's name and value pairs, in order. */
function cookiesOf(header: string | undefined): [name: string, value: string][] {
  return (header ?? "").split(";").map((part) => {
    const [name = "", value = ""] = part.trim().split("=", 2);
    return [name, value];
  });
}
