/**
 * Embedding Delegate in your own HTTP server (offline on the sandbox, or on your Scalekit
 * environment when SCALEKIT_* are set).
 *
 *   npx tsx examples/embedded-server.ts            # listens on 127.0.0.1:8787
 *
 *   POST /threads/:id/messages   {"text": "..."}              → the turn's events as server-sent events
 *   POST /threads/:id/decisions  {"decisions": [...]}         → approve / reject / edit pending actions (SSE)
 *   POST /threads/:id/cancel                                   → cancel what the thread waits for (SSE)
 *   GET  /threads/:id                                          → messages and anything pending
 *   POST /webhooks/scalekit                                    → Scalekit webhooks (signature verified)
 *   GET  /connect/start?flow=…                                 → the link a browser is shown: binds it, → Scalekit
 *   GET  /connect/verify?auth_request_id=…&state=…             → Scalekit's user-verify redirect (a page)
 *
 * The caller is named by the `x-user-id` header to keep the example short (or, for a browser, the
 * `delegate_user` cookie the example sets); a real server takes the user from its own
 * authentication. Bodies are limited before anything is read into memory
 * (messages 64 KB, webhooks 1 MB → 413), and malformed JSON is a 400. In your app, import from
 * "delegate-agent" and "delegate-agent/environment" instead of the relative paths below.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { type Environment, resolveEnvironment } from "../src/environment/index.js";
import {
  type AgentRuntime,
  type AuthorizationRequest,
  ConsentBindings,
  type ConsentClaim,
  consentCookieHeader,
  createAgentRuntime,
  errorMessage,
  isDelegateError,
  loadConfig,
  MAX_WEBHOOK_BYTES,
  type RuntimeEvent,
  refusalStatus,
} from "../src/index.js";

const MAX_MESSAGE_BYTES = 64 * 1024;

export interface EmbeddedServer {
  url: string;
  runtime: AgentRuntime;
  environment: Environment;
  close(): Promise<void>;
}

export async function startEmbeddedServer(
  options: {
    port?: number;
    databaseUrl?: string;
    env?: Record<string, string | undefined>;
    /** Signs the verification states; keep it stable across restarts and replicas in your app. */
    verificationSecret?: Uint8Array;
    /** How many browser bindings are kept, per user and in all (the oldest go first). */
    bindingLimits?: { perUser?: number; total?: number };
  } = {},
): Promise<EmbeddedServer> {
  const config = loadConfig(options.env ?? {});
  const environment = await resolveEnvironment(config);
  let verifyUrl = "";
  const runtime = await createAgentRuntime({
    ...environment.runtimeOptions,
    databaseUrl: options.databaseUrl ?? ":memory:",
    // Scalekit user verification (DELEGATE_VERIFY, on by default): after consent, Scalekit sends
    // the browser to /connect/verify, and the account is connected only for the signed-in user.
    ...(config.verify === "on"
      ? { verification: { url: () => verifyUrl, secret: options.verificationSecret ?? randomBytes(32) } }
      : {}),
    onToolAudit: (record) =>
      console.log(
        `[audit] ${record.toolName} as ${record.userId} on ${record.connection ?? "-"}: ${record.outcome}${record.allowedBy ? ` (allowed by ${record.allowedBy})` : ""}`,
      ),
  });

  const flows = new BrowserFlows(
    new ConsentBindings({
      ...(options.bindingLimits?.perUser !== undefined ? { maxPerUser: options.bindingLimits.perUser } : {}),
      ...(options.bindingLimits?.total !== undefined ? { maxTotal: options.bindingLimits.total } : {}),
    }),
  );
  const server: Server = createServer((req, res) => {
    route(runtime, flows, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, statusFor(error), { error: errorBody(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  verifyUrl = `${url}/connect/verify`;
  flows.base = url;
  // The sandbox's Scalekit emulator posts connected-account webhooks here, as Scalekit would.
  environment.sandbox?.scalekit.addWebhookUrl(`${url}/webhooks/scalekit`);

  return {
    url,
    runtime,
    environment,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      await environment.close();
    },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function route(
  runtime: AgentRuntime,
  flows: BrowserFlows,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "POST" && url.pathname === "/webhooks/scalekit") {
    const result = await runtime.handleWebhook({
      headers: req.headers,
      body: await readBody(req, MAX_WEBHOOK_BYTES),
    });
    sendJson(res, result.status, { resumed: result.resumed });
    return;
  }
  if (req.method === "GET" && url.pathname === "/connect/start") {
    flows.start(req, res, url.searchParams.get("flow") ?? "");
    return;
  }
  if (req.method === "GET" && url.pathname === "/connect/verify") {
    await verifyRedirect(runtime, flows, req, res, url.searchParams);
    return;
  }
  const match = /^\/threads\/([\w.:-]{1,128})(\/messages|\/cancel|\/decisions)?$/.exec(url.pathname);
  const userId = sessionUser(req);
  if (!match || !userId) {
    throw new HttpError(404, "NOT_FOUND", "Unknown route or missing x-user-id header.");
  }
  // The stand-in for a login session: the browser that chats is the one that gives consent.
  res.setHeader(
    "set-cookie",
    `${SESSION_COOKIE}=${encodeURIComponent(userId)}; Path=/; HttpOnly; SameSite=Lax`,
  );
  const ref = { userId, threadId: match[1] as string };
  // A browser is shown start URLs (they bind it to the flow); an API client its links as they are.
  const present = (requests: AuthorizationRequest[]) =>
    browserSession(req) ? flows.present(requests, userId) : requests;
  if (req.method === "GET" && !match[2]) {
    const thread = await runtime.getThread(ref);
    const pending = thread.pendingAuthorization;
    sendJson(
      res,
      200,
      pending
        ? { ...thread, pendingAuthorization: { ...pending, requests: present(pending.requests) } }
        : thread,
    );
  } else if (req.method === "POST" && match[2] === "/messages") {
    const { text } = await readJson<{ text?: unknown }>(req);
    if (typeof text !== "string")
      throw new HttpError(400, "INVALID_INPUT", 'The body must be {"text": "…"}.');
    await streamEvents(res, runtime.send({ ...ref, text }), present);
  } else if (req.method === "POST" && match[2] === "/decisions") {
    const { decisions } = await readJson<{ decisions?: unknown }>(req);
    if (!Array.isArray(decisions)) {
      throw new HttpError(400, "INVALID_INPUT", 'The body must be {"decisions": [{"toolCallId", "type"}…]}.');
    }
    await streamEvents(res, runtime.decide({ ...ref, decisions }), present);
  } else if (req.method === "POST" && match[2] === "/cancel") {
    await streamEvents(res, runtime.cancel(ref), present);
  } else {
    throw new HttpError(405, "METHOD_NOT_ALLOWED", "Method not allowed.");
  }
}

const SESSION_COOKIE = "delegate_user";

/**
 * Who is asking: the `x-user-id` header (API clients, curl) or the `delegate_user` cookie (a
 * browser). Both stand in for your app's real session.
 */
function sessionUser(req: IncomingMessage): string | undefined {
  const header = req.headers["x-user-id"];
  if (typeof header === "string" && header) return header;
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE && value.length > 0) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/** The session is the cookie: a browser, which sends it on any top-level navigation, even cross-site. */
function browserSession(req: IncomingMessage): boolean {
  const header = req.headers["x-user-id"];
  return !(typeof header === "string" && header);
}

/**
 * Binds each consent flow to the browser that started it (against login CSRF: someone completes
 * a link with their own account and sends the verify redirect back to be clicked), with
 * Delegate's `ConsentBindings`. A browser is shown `/connect/start?flow=…`, never the magic link;
 * opening it as the flow's user sets a short-lived HttpOnly cookie and redirects to the magic
 * link; the verify route then wants that browser's binding for the state's connection. In
 * memory: one process (a real app keeps it beside its sessions).
 */
class BrowserFlows {
  base = "";
  constructor(readonly bindings: ConsentBindings) {}

  present(requests: AuthorizationRequest[], userId: string): AuthorizationRequest[] {
    return requests.map((request) => {
      const id = this.bindings.present(request, { userId });
      return { ...request, url: `${this.base}/connect/start?flow=${id}` };
    });
  }

  start(req: IncomingMessage, res: ServerResponse, id: string): void {
    const userId = sessionUser(req);
    const started = this.bindings.start(id, userId ? { userId } : undefined, req.headers.cookie);
    if (!started.ok) {
      if (started.reason === "expired") {
        sendPage(
          res,
          410,
          "Link expired",
          "This link is no longer valid. Go back to the chat and ask again.",
        );
      } else if (started.reason === "opened_elsewhere") {
        sendPage(
          res,
          409,
          "Link already used",
          "This link was opened in another browser. Ask again for a new one.",
        );
      } else {
        // Only the flow's own user starts it: a forwarded start link leads nowhere.
        sendPage(
          res,
          403,
          "Not connected",
          "Open the link from the app that asked for it, signed in as yourself.",
        );
      }
      return;
    }
    res
      .writeHead(302, {
        location: started.location,
        // Served over HTTPS, add `secure: true`.
        "set-cookie": consentCookieHeader(started.cookie, { path: "/connect/" }),
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
      })
      .end();
  }
}

/** What a browser is told when its bindings do not let it finish a flow. */
const CLAIM_REFUSALS: Record<Extract<ConsentClaim, { ok: false }>["reason"], [number, string]> = {
  no_binding: [
    403,
    "This browser did not start this connection. Open the link from the app that asked for it, in this browser, and allow access there.",
  ],
  expired: [
    410,
    "This connection attempt is over (it took too long, or a newer one replaced it), so nothing was connected. Ask again from the app for a fresh link.",
  ],
  wrong_connection: [
    403,
    "This verification is for another account than the one this browser was connecting, so nothing was connected.",
  ],
  wrong_link: [
    403,
    "This verification belongs to another link than the one this browser opened, so nothing was connected. Open the newest link from the app in this browser and allow access there.",
  ],
  replayed: [409, "This verification link was already used, so it was not accepted again."],
  in_progress: [409, "This connection is already being finished in another tab. Check that tab."],
};

/**
 * Scalekit's user-verify redirect. The user comes from the session (here the cookie or header),
 * never from the redirect: the signed `state` only names the user the link was made for, and the
 * runtime accepts it only when the two agree. A state alone would let whoever opens a forwarded
 * link connect their own account to the user the link names; with the session check, a browser
 * that is not signed in as that user connects nothing.
 */
async function verifyRedirect(
  runtime: AgentRuntime,
  flows: BrowserFlows,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const userId = sessionUser(req);
  if (!userId) {
    sendPage(res, 401, "Not connected", "Sign in to this app in this browser, then open the link again.");
    return;
  }
  const state = query.get("state") ?? "";
  // A browser's cookie is sent on a cross-site click too: it must also hold this flow's binding
  // (from /connect/start), or the redirect may be someone else's consent. Refused unspent.
  let claim: Extract<ConsentClaim, { ok: true }> | undefined;
  if (browserSession(req)) {
    const claimed = flows.bindings.claim(req.headers.cookie, { userId }, state);
    if (!claimed.ok) {
      const [status, message] = CLAIM_REFUSALS[claimed.reason];
      sendPage(res, status, "Not connected", message);
      return;
    }
    claim = claimed;
  }
  let result: Awaited<ReturnType<AgentRuntime["verifyUser"]>>;
  try {
    result = await runtime.verifyUser({
      authRequestId: query.get("auth_request_id") ?? "",
      state,
      userId,
      ...(claim ? { connection: claim.connection } : {}),
    });
  } catch (error) {
    // Failed (Scalekit down, say): the binding may try again (with the right state). The detail
    // is for your log; the browser gets what to do.
    claim?.finish(false);
    console.error(`[verify] user verification failed: ${errorMessage(error)}`);
    sendPage(
      res,
      502,
      "Not connected yet",
      "Something went wrong on our side while finishing the connection, so nothing was connected. Reload this page in a minute to try again; if it keeps failing, go back to the chat and ask for a new link.",
    );
    return;
  }
  claim?.finish(result.status === "verified");
  if (result.status === "verified") {
    sendPage(
      res,
      200,
      "Connected",
      `${result.displayName} connected — you can close this tab and go back to the chat.`,
    );
  } else {
    sendPage(res, refusalStatus(result.reason), "Not connected", result.message);
  }
}

function sendPage(res: ServerResponse, status: number, heading: string, message: string): void {
  const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'",
    })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(heading)}</title></head><body><main><h1>${html(heading)}</h1><p>${html(message)}</p></main></body></html>\n`,
    );
}

/** Server-sent events: one `event: <type>` per runtime event. The stream stays open while the
 * turn waits for authorization and carries on with the auto-resumed run. */
async function streamEvents(
  res: ServerResponse,
  events: AsyncIterable<RuntimeEvent>,
  present: (requests: AuthorizationRequest[]) => AuthorizationRequest[] = (requests) => requests,
): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  let first: IteratorResult<RuntimeEvent>;
  try {
    first = await iterator.next();
  } catch (error) {
    sendJson(res, statusFor(error), { error: errorBody(error) });
    return;
  }
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const write = (event: RuntimeEvent) =>
    res.write(
      `event: ${event.type}\ndata: ${JSON.stringify(event.type === "authorization-required" ? { ...event, requests: present(event.requests) } : event)}\n\n`,
    );
  try {
    for (let next = first; !next.done; next = await iterator.next()) write(next.value);
  } catch (error) {
    res.write(`event: error\ndata: ${JSON.stringify(errorBody(error))}\n\n`);
  }
  res.end();
}

function statusFor(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (!isDelegateError(error)) return 500;
  const statuses: Record<string, number> = {
    THREAD_NOT_FOUND: 404,
    THREAD_BUSY: 409,
    THREAD_RESUMING: 409,
    THREAD_NOT_WAITING: 409,
    INVALID_INPUT: 400,
    UNKNOWN_CONNECTOR: 400,
  };
  return statuses[error.code] ?? 502;
}

function errorBody(error: unknown) {
  if (error instanceof HttpError) return { code: error.code, message: error.message };
  return isDelegateError(error)
    ? { code: error.code, message: error.message }
    : { code: "INTERNAL", message: "Internal error" };
}

/**
 * The request body as text, refusing (413) anything past `limit` bytes: by its declared length
 * before reading a byte, and by counting while reading, so a client cannot make the server
 * buffer an unbounded body.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () =>
    new HttpError(
      413,
      "PAYLOAD_TOO_LARGE",
      `The request body is larger than ${Math.round(limit / 1024)} KB.`,
    );
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJson<T extends object>(req: IncomingMessage): Promise<Partial<T>> {
  const body = await readBody(req, MAX_MESSAGE_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(body || "{}");
  } catch {
    throw new HttpError(400, "INVALID_JSON", "The body is not valid JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "INVALID_JSON", "The body must be a JSON object.");
  }
  return value as Partial<T>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { "content-type": "application/json", connection: "close" })
    .end(JSON.stringify(body));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const server = await startEmbeddedServer({ port: Number(process.env.PORT ?? 8787), env: process.env });
  console.log(`Delegate embedded example on ${server.url} (${server.environment.modeLabel})`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
