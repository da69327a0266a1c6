import { AsyncResource } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { escapeUTF8 } from "entities";
import { errorMessage, type Identity, type Logger, type VerifyUserResult } from "../../index.js";

export interface VerifyListenerOptions {
  /** Verifies a redirect for `identity` (the runtime's `verifyUser`). */
  verify(input: { authRequestId: string; state: string }, identity: Identity): Promise<VerifyUserResult>;
  logger?: Logger;
}

/**
 * The command-line OAuth pattern (as `gh auth login` does it) for Scalekit user verification: a
 * listener on 127.0.0.1, on a random port and an unguessable path, is the `user_verify_url` of
 * every link this REPL hands out. After Allow, Scalekit sends the browser here; Delegate verifies
 * the redirect for the REPL's own user and the thread resumes at once. Only a browser on this
 * machine can reach it, so a forwarded link completed elsewhere connects nothing.
 *
 * It starts with the first link that needs it and stops with the session.
 */
export class VerifyListener {
  readonly #options: VerifyListenerOptions;
  readonly #path = `/delegate/verify/${randomBytes(24).toString("base64url")}`;
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
  }

  /** The verify URL, starting the listener on first use. */
  url(): Promise<string> {
    this.#starting ??= this.#startClean();
    return this.#starting;
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
    return `http://127.0.0.1:${port}${this.#path}`;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const port = (this.#server?.address() as AddressInfo | null)?.port;
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    // Another path, method or Host (DNS rebinding) learns nothing.
    const host = request.headers.host ?? "";
    if (url.pathname !== this.#path || request.method !== "GET" || !isLoopbackHost(host, port)) {
      send(response, 404, page("Not found", "There is nothing here."));
      return;
    }
    const identity = this.identity;
    const authRequestId = url.searchParams.get("auth_request_id") ?? "";
    const state = url.searchParams.get("state") ?? "";
    if (!identity) {
      send(response, 409, page("Not accepted", "Delegate is not signed in as anyone right now."));
      return;
    }
    let result: VerifyUserResult;
    try {
      result = await this.#options.verify({ authRequestId, state }, identity);
    } catch (error) {
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
    send(response, result.reason === "replayed" ? 409 : 403, page("Not connected", result.message));
  }
}

function isLoopbackHost(host: string, port: number | undefined): boolean {
  return port !== undefined && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host);
}

function send(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    // The address carries the auth request and state: no page should ever see it as a referrer.
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-content-type-options": "nosniff",
    connection: "close",
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
