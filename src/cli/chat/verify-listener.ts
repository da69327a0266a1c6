import { AsyncResource } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { escapeUTF8 } from "entities";
import { peekVerificationState, refusalMessage } from "../../auth/verification-state.js";
import { errorMessage, type Identity, type Logger, type VerifyUserResult } from "../../index.js";

export interface VerifyListenerOptions {
  /**
   * Verifies a redirect for `identity` (the runtime's `verifyUser`); `connection` is the one the
   * browser's flow was started for, so a state for another is refused unspent.
   */
  verify(
    input: { authRequestId: string; state: string; connection: string },
    identity: Identity,
  ): Promise<VerifyUserResult>;
  logger?: Logger;
  now?: () => number;
}

/** An authorization link the REPL shows: Scalekit's magic link, for one connection. */
export interface ShownLink {
  url: string;
  connection: string;
  expiresAt: Date | string;
}

/** A start URL shown in the terminal: the magic link it leads to, for the user it was made for. */
interface Start {
  magicLink: string;
  connection: string;
  /** Who the REPL acted for when the link was shown: only that user's click binds the browser. */
  identity: Identity | undefined;
  expiresAt: number;
}

/** What one click on a start URL left in that browser (its cookie's value names it). */
interface Binding {
  connection: string;
  identity: Identity;
  expiresAt: number;
  /** It verified once: it verifies nothing more (a reload is told the link was used). */
  used?: boolean;
  /**
   * A verification with it is under way (set before the runtime is asked, cleared if that fails):
   * a second redirect with the same binding meanwhile is refused, not verified too.
   */
  pending?: boolean;
}

/** How long a browser has, from the start URL, to come back with consent. */
export const BINDING_TTL_MS = 15 * 60_000;
const COOKIE_PREFIX = "delegate_flow_";
const MAX_BINDINGS = 256;

/**
 * The command-line OAuth pattern (as `gh auth login` does it) for Scalekit user verification: a
 * listener on 127.0.0.1, on a random port and an unguessable path, serves two things.
 *
 * - **Start URLs** (`/<secret>/start/<id>`): the links the terminal shows instead of Scalekit's
 *   magic links. Opening one sets a short-lived HttpOnly cookie with a random binding for that
 *   flow, remembers the binding here, and redirects (302) to the magic link.
 * - **The verify URL** (`/<secret>/verify`): the `user_verify_url` of every link. After Allow,
 *   Scalekit sends the browser here; it is accepted only from a browser holding a binding this
 *   listener gave out for the state's connection, for the REPL's own user, and only then does the
 *   runtime verify the redirect (signed, single-use state; Scalekit's identifier check).
 *
 * So a verify URL that comes back from someone else's consent (login CSRF: the consent was given
 * elsewhere, its redirect forwarded here) is refused unspent, and a forwarded start URL is a
 * loopback address that leads nowhere on another machine. It starts with the first link that
 * needs it and stops with the session.
 */
export class VerifyListener {
  readonly #options: VerifyListenerOptions;
  readonly #now: () => number;
  readonly #prefix = `/${randomBytes(24).toString("base64url")}`;
  readonly #starts = new Map<string, Start>();
  /** Magic link → its start id, so showing a link again shows the same start URL. */
  readonly #startOf = new Map<string, string>();
  readonly #bindings = new Map<string, Binding>();
  #origin: string | undefined;
  #server: Server | undefined;
  #starting: Promise<string> | undefined;
  #closed = false;
  /** Who the REPL acts for now: the only user a redirect is accepted for. */
  identity: Identity | undefined;

  /**
   * Starts the server in the context the listener was made in: the first link is made inside a
   * graph run, and a server started there would serve every request in that run's context.
   */
  readonly #startClean = AsyncResource.bind(() => this.#start());

  constructor(options: VerifyListenerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The verify URL, starting the listener on first use. */
  url(): Promise<string> {
    this.#starting ??= this.#startClean();
    return this.#starting;
  }

  /**
   * The start URL to show for a magic link (the same one each time it is shown). The listener is
   * running by then: it started when the link was made. Were it not, the magic link is returned
   * as it is (a browser coming back from it would be refused, never accepted).
   */
  startUrl(link: ShownLink): string {
    if (!this.#origin) {
      this.#options.logger?.warn({ connection: link.connection }, "verification listener not running");
      return link.url;
    }
    const expiresAt = new Date(link.expiresAt).getTime();
    let id = this.#startOf.get(link.url);
    if (!id) {
      id = randomBytes(16).toString("base64url");
      this.#startOf.set(link.url, id);
    }
    this.#starts.set(id, {
      magicLink: link.url,
      connection: link.connection,
      identity: this.identity,
      expiresAt: Number.isNaN(expiresAt) ? this.#now() + BINDING_TTL_MS : expiresAt,
    });
    this.#sweep();
    return `${this.#origin}${this.#prefix}/start/${id}`;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #start(): Promise<string> {
    if (this.#closed) throw new Error("the verification listener is closed");
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        this.#options.logger?.error({ error: errorMessage(error) }, "verification listener failed");
        if (!response.headersSent)
          send(response, 500, page("Something went wrong", "Go back to the terminal."));
        else response.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    // The REPL holds the process while it runs; the listener alone must not.
    server.unref();
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    this.#origin = `http://127.0.0.1:${port}`;
    return `${this.#origin}${this.#prefix}/verify`;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const port = (this.#server?.address() as AddressInfo | null)?.port;
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    // Another path, method or Host (DNS rebinding) learns nothing.
    const host = request.headers.host ?? "";
    if (request.method !== "GET" || !isLoopbackHost(host, port)) {
      send(response, 404, page("Not found", "There is nothing here."));
      return;
    }
    if (url.pathname === `${this.#prefix}/verify`) {
      await this.#verify(request, response, url.searchParams);
      return;
    }
    const start = /^\/start\/([\w-]{1,64})$/.exec(
      url.pathname.startsWith(`${this.#prefix}/`) ? url.pathname.slice(this.#prefix.length) : "",
    );
    if (start) {
      this.#startFlow(response, start[1] as string);
      return;
    }
    send(response, 404, page("Not found", "There is nothing here."));
  }

  /** A start URL: bind this browser to the flow, then on to Scalekit's magic link. */
  #startFlow(response: ServerResponse, id: string): void {
    const start = this.#starts.get(id);
    if (!start || start.expiresAt <= this.#now()) {
      send(
        response,
        410,
        page("Link expired", "This link is no longer valid. Go back to the terminal and ask again."),
      );
      return;
    }
    // The link is for the user the REPL acted for when it was shown; after /user it binds no one
    // (it would lead the new user's browser to the old user's consent, to be refused at the end).
    const identity = start.identity;
    if (!identity || !this.identity || !sameIdentity(identity, this.identity)) {
      send(
        response,
        409,
        page(
          "Not connected",
          `This link was made for ${identity ? `user ${identity.userId}` : "no user"}, and Delegate acts for ${this.identity ? `user ${this.identity.userId}` : "no one"} now. Switch back with /user, or ask again as this user.`,
        ),
      );
      return;
    }
    const value = randomBytes(32).toString("base64url");
    const expiresAt = Math.min(this.#now() + BINDING_TTL_MS, start.expiresAt + BINDING_TTL_MS);
    this.#bindings.set(value, { connection: start.connection, identity, expiresAt });
    this.#sweep();
    const maxAge = Math.max(1, Math.floor((expiresAt - this.#now()) / 1000));
    response.writeHead(302, {
      location: start.magicLink,
      "set-cookie": `${COOKIE_PREFIX}${id}=${value}; Path=${this.#prefix}/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax`,
      ...SECURITY_HEADERS,
    });
    response.end();
  }

  async #verify(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): Promise<void> {
    const identity = this.identity;
    const authRequestId = query.get("auth_request_id") ?? "";
    const state = query.get("state") ?? "";
    if (!identity) {
      send(response, 409, page("Not accepted", "Delegate is not signed in as anyone right now."));
      return;
    }
    // Only a browser that opened this REPL's link for this flow may finish it. Without that, the
    // redirect may be someone else's consent sent here to be clicked: refuse it, unspent.
    const held = this.#heldBindings(request, identity);
    if (held.length === 0) {
      this.#options.logger?.warn(
        { userId: identity.userId },
        "user verification refused: no browser binding",
      );
      send(
        response,
        403,
        page(
          "Not connected",
          "This browser did not start this connection. Open the link from the terminal that asked for it, in this browser, and allow access there.",
        ),
      );
      return;
    }
    const named = peekVerificationState(state);
    const binding = named
      ? // An unused binding first: a browser may hold a used one for the same connection.
        (held.find((held) => held.binding.connection === named.connection && !busy(held.binding)) ??
        held.find((held) => held.binding.connection === named.connection))
      : (held.find((held) => !busy(held.binding)) ?? held[0]);
    if (!binding) {
      this.#options.logger?.warn(
        { userId: identity.userId, connection: named?.connection },
        "user verification refused: the browser started another connection",
      );
      send(response, 403, page("Not connected", refusalMessage("wrong_connection")));
      return;
    }
    if (binding.binding.used) {
      send(response, 409, page("Not connected", refusalMessage("replayed")));
      return;
    }
    if (binding.binding.pending) {
      send(
        response,
        409,
        page("Not connected", "This connection is already being finished in another tab. Check that tab."),
      );
      return;
    }
    // Claimed before the runtime is asked: a concurrent redirect with this binding (another
    // state for the same connection) is refused above, not verified as well.
    binding.binding.pending = true;
    let result: VerifyUserResult;
    try {
      result = await this.#options.verify(
        { authRequestId, state, connection: binding.binding.connection },
        identity,
      );
    } catch (error) {
      // Not verified: the binding may try again (with the right state).
      binding.binding.pending = false;
      send(
        response,
        502,
        page(
          "Not connected",
          `Delegate could not finish connecting: ${errorMessage(error)} Go back to the terminal and ask again.`,
        ),
      );
      return;
    }
    binding.binding.pending = false;
    if (result.status === "verified") {
      // The binding did its job: one browser flow, one verification.
      binding.binding.used = true;
      send(
        response,
        200,
        page(
          "Connected",
          `${result.displayName} connected — you can go back to the terminal.`,
          `${result.displayName} connected`,
        ),
      );
      return;
    }
    send(response, result.reason === "replayed" ? 409 : 403, page("Not connected", result.message));
  }

  /** The live bindings this request's cookies hold for `identity`. */
  #heldBindings(
    request: IncomingMessage,
    identity: Identity,
  ): { cookie: string; value: string; binding: Binding }[] {
    const now = this.#now();
    const held: { cookie: string; value: string; binding: Binding }[] = [];
    for (const part of (request.headers.cookie ?? "").split(";")) {
      const [name = "", value = ""] = part.trim().split("=", 2);
      if (!name.startsWith(COOKIE_PREFIX)) continue;
      const binding = this.#bindings.get(value);
      if (!binding || binding.expiresAt <= now || !sameIdentity(binding.identity, identity)) continue;
      held.push({ cookie: name, value, binding });
    }
    return held;
  }

  /** Forgets expired starts and bindings; keeps the maps bounded. */
  #sweep(): void {
    const now = this.#now();
    for (const [id, start] of this.#starts) {
      if (start.expiresAt + BINDING_TTL_MS > now) continue;
      this.#starts.delete(id);
      this.#startOf.delete(start.magicLink);
    }
    for (const [value, binding] of this.#bindings) if (binding.expiresAt <= now) this.#bindings.delete(value);
    // A flood of clicks cannot grow this without bound: the oldest go first.
    for (const value of this.#bindings.keys()) {
      if (this.#bindings.size <= MAX_BINDINGS) break;
      this.#bindings.delete(value);
    }
  }
}

function busy(binding: Binding): boolean {
  return binding.used === true || binding.pending === true;
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.userId === b.userId && (a.organizationId ?? "") === (b.organizationId ?? "");
}

function isLoopbackHost(host: string, port: number | undefined): boolean {
  return port !== undefined && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host);
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  // The address carries the auth request and state (or the start id): never a referrer.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  connection: "close",
} as const;

function send(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    ...SECURITY_HEADERS,
  });
  response.end(html);
}

/** A small page the browser shows. */
export function page(heading: string, message: string, title = heading): string {
  const h = escapeUTF8(heading);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeUTF8(title)} · Delegate</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.5rem}</style>
</head><body><main><h1>${h}</h1><p>${escapeUTF8(message)}</p></main></body></html>
`;
}
