import { AsyncResource } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { escapeUTF8 } from "entities";
import { refusalMessage, refusalStatus } from "../../auth/verification-state.js";
import {
  ConsentBindings,
  type ConsentLink,
  consentCookieHeader,
  errorMessage,
  type Identity,
  type Logger,
  type VerifyUserResult,
} from "../../index.js";

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
export type ShownLink = ConsentLink;

/** Bindings kept in all: one person's terminal needs few. */
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
  readonly #bindings: ConsentBindings;
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
    this.#bindings = new ConsentBindings({
      now: this.#now,
      maxPerUser: MAX_BINDINGS,
      maxTotal: MAX_BINDINGS,
    });
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
    const id = this.#bindings.present(link, this.identity);
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
      this.#startFlow(request, response, start[1] as string);
      return;
    }
    send(response, 404, page("Not found", "There is nothing here."));
  }

  /** A start URL: bind this browser to the flow, then on to Scalekit's magic link. */
  #startFlow(request: IncomingMessage, response: ServerResponse, id: string): void {
    // The link is for the user the REPL acted for when it was shown; after /user it binds no one
    // (it would lead the new user's browser to the old user's consent, to be refused at the end).
    // It binds the first browser that opens it: the REPL's user is anyone who has the URL.
    const started = this.#bindings.start(id, this.identity, request.headers.cookie);
    if (!started.ok && started.reason === "expired") {
      send(
        response,
        410,
        page("Link expired", "This link is no longer valid. Go back to the terminal and ask again."),
      );
      return;
    }
    if (!started.ok && started.reason === "opened_elsewhere") {
      send(
        response,
        409,
        page(
          "Link already used",
          "This link was opened in another browser, and only that one can finish connecting with it. If that was not you, go back to the terminal and ask for a new link with /connect.",
        ),
      );
      return;
    }
    if (!started.ok) {
      const madeFor = started.madeFor;
      send(
        response,
        409,
        page(
          "Not connected",
          `This link was made for ${madeFor ? `user ${madeFor.userId}` : "no user"}, and Delegate acts for ${this.identity ? `user ${this.identity.userId}` : "no one"} now. Switch back with /user, or ask again as this user.`,
        ),
      );
      return;
    }
    response.writeHead(302, {
      location: started.location,
      "set-cookie": consentCookieHeader(started.cookie, { path: `${this.#prefix}/` }),
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
    const claim = this.#bindings.claim(request.headers.cookie, identity, state);
    if (!claim.ok) {
      this.#options.logger?.warn(
        { userId: identity.userId, reason: claim.reason },
        "user verification refused by the browser binding",
      );
      const [status, message] = CLAIM_REFUSALS[claim.reason];
      send(response, status, page("Not connected", message));
      return;
    }
    let result: VerifyUserResult;
    try {
      result = await this.#options.verify({ authRequestId, state, connection: claim.connection }, identity);
    } catch (error) {
      // Not verified: the binding may try again (with the right state). The detail (a host, a
      // gRPC status) is for the log; the browser gets what to do.
      claim.finish(false);
      this.#options.logger?.error({ error: errorMessage(error) }, "user verification failed");
      send(
        response,
        502,
        page(
          "Not connected yet",
          "Something went wrong on Delegate's side while finishing the connection, so nothing was connected. Reload this page in a minute to try again; if it keeps failing, go back to the terminal and ask for a new link with /connect.",
        ),
      );
      return;
    }
    // The binding did its job when it verified: one browser flow, one verification.
    claim.finish(result.status === "verified");
    if (result.status === "verified") {
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
    send(response, refusalStatus(result.reason), page("Not connected", result.message));
  }
}

/** The page a refused claim gets: its status and what the person is told. */
const CLAIM_REFUSALS = {
  no_binding: [
    403,
    "This browser did not start this connection. Open the link from the terminal that asked for it, in this browser, and allow access there.",
  ],
  expired: [
    410,
    "This connection attempt is over (it took too long, or a newer one replaced it), so nothing was connected. Ask again from the terminal for a fresh link.",
  ],
  wrong_connection: [403, refusalMessage("wrong_connection")],
  wrong_link: [
    403,
    "This verification belongs to another link than the one this browser opened, so nothing was connected. Open the newest link from the terminal in this browser and allow access there.",
  ],
  replayed: [409, refusalMessage("replayed")],
  in_progress: [409, "This connection is already being finished in another tab. Check that tab."],
} as const;

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
