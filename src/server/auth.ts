/**
 * The LangGraph server's auth handler (`langgraph.json` → `"auth": { "path": "./src/server/auth.ts:auth" }`).
 *
 * - **Authentication**: a static bearer-token table, `DELEGATE_SERVER_TOKENS=token=user,…`
 *   (a user may be `organization/user`). Clients send `Authorization: Bearer <token>`; the
 *   `X-Api-Key: <token>` header is accepted too, because that is what Agent Chat UI's
 *   "API key" field sends. On the sandbox the default table is `dev-alice=alice,dev-bob=bob`.
 *   A missing or unknown token is a 401. LangGraph Studio's own header (`x-auth-scheme:
 *   langsmith`) is not a credential (`disable_studio_auth` in langgraph.json) unless
 *   DELEGATE_SERVER_STUDIO_USER opts in for local development.
 * - **Authorization**: every thread, run and cron is stamped `metadata.owner = <user>` when it is
 *   created and filtered by that owner afterwards, so a user can neither see nor resume another
 *   user's thread. Only the server names threads (see `chosenThreadId`), so no user can take an
 *   id another user has or will have. Store items live under a namespace that starts with the user.
 *   A thread's state is written by its runs only: no state updates or `supersteps`, and a run's
 *   `command` may resume or end the run but not `update` or `goto` a node (either could get past
 *   the approval gate).
 */
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import type { Identity } from "../auth/identity.js";
import { refuseReservedMetadata, refuseRunPlacement, refuseStateWritingCommand } from "./run-checks.js";
import { answeredCallIds, checkRunInput, openCallIds } from "./run-input.js";
import { serverLogger } from "./server-logger.js";
import { serverSettings } from "./server-settings.js";
import { toServerUser } from "./server-user.js";

const settings = serverSettings();
if (settings.tokens.size === 0) {
  serverLogger().warn(
    {},
    "DELEGATE_SERVER_TOKENS is not set and Scalekit is not the sandbox: every request will be refused (401). Set DELEGATE_SERVER_TOKENS=token=user,…",
  );
}

/**
 * Stands for an anonymous `GET /ok`, `GET /delegate/verify` or `POST /delegate/webhooks/scalekit`;
 * it carries no Delegate identity, so it can run nothing.
 */
const HEALTH_CHECK_USER = {
  identity: "anonymous-health-check",
  permissions: [] as string[],
  is_authenticated: false,
};

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="delegate"' };

function unauthorized(message: string): HTTPException {
  return new HTTPException(401, { message, headers: CHALLENGE });
}

/** Where LangGraph Studio is served from; browsers set `Origin`, web pages cannot forge it. */
const STUDIO_ORIGIN = /^https:\/\/([a-z0-9-]+\.)*smith\.langchain\.com$/;

/** How a client presents its token: both headers, since Agent Chat UI can only send the second. */
const HOW = "send Authorization: Bearer <token> or X-Api-Key: <token> (Agent Chat UI's API key field)";

function bearerToken(authorization: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthorized(`Malformed Authorization header: expected "Bearer <token>"; ${HOW}.`);
  return match[1];
}

function lookup(token: string): Identity {
  const identity = settings.tokens.lookup(token);
  if (!identity) throw unauthorized(`Unknown token: ${HOW} with a token from DELEGATE_SERVER_TOKENS.`);
  return identity;
}

/**
 * Who a request stands for: `Authorization: Bearer <token>`; else, for LangGraph Studio
 * (`x-auth-scheme: langsmith` from a smith.langchain.com page), DELEGATE_SERVER_STUDIO_USER when
 * it is set; else `X-Api-Key: <token>` (Agent Chat UI's "API key" field). Anything else is a 401.
 */
function authenticateRequest(request: Request): Identity {
  const authorization = request.headers.get("authorization");
  if (authorization) return lookup(bearerToken(authorization));
  if (request.headers.get("x-auth-scheme") === "langsmith") {
    const origin = request.headers.get("origin");
    if (settings.studioUser && (origin === null || STUDIO_ORIGIN.test(origin))) return settings.studioUser;
    throw unauthorized(
      "LangGraph Studio requests need a bearer token (Authorization: Bearer <token>), or set DELEGATE_SERVER_STUDIO_USER for local development.",
    );
  }
  const apiKey = request.headers.get("x-api-key")?.trim();
  if (apiKey) return lookup(apiKey);
  throw unauthorized(`Missing token: ${HOW} (tokens are configured with DELEGATE_SERVER_TOKENS).`);
}

/**
 * Thread ids are global on LangGraph's server, and an id a client picks is answered by whether it
 * is taken: creating one another user already has is a 409 ("Thread already exists"), and
 * taking an id first (`POST /threads` with `thread_id`, or a run with `if_not_exists: "create"`)
 * locks its future owner out. So only the server names threads (a UUIDv7 it mints): a thread id
 * a client picks is refused before anything looks it up, whether or not it exists.
 */
function chosenThreadId(): HTTPException {
  return new HTTPException(422, {
    message:
      "Delegate names threads itself: they belong to one user, and an id a client picks could be someone else's. Create the thread without a thread_id (client.threads.create(), or POST /threads with {}) and run on the id it returns.",
  });
}

/**
 * `POST /threads` with a `thread_id` in its JSON body is refused (see `chosenThreadId`), and so is
 * one with `supersteps` (state written at creation, past the gate), before the thread exists.
 */
async function checkNewThread(request: Request): Promise<void> {
  let body: unknown;
  try {
    body = await request.clone().json();
  } catch {
    return; // LangGraph refuses a body that is not JSON by itself.
  }
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const chosen = fields.thread_id;
  if (chosen !== undefined && chosen !== null && chosen !== "") throw chosenThreadId();
  if (fields.supersteps != null) {
    throw new HTTPException(403, {
      message: "Delegate's thread state is written only by its runs: create the thread without supersteps.",
    });
  }
}

/**
 * Routes of LangGraph's dev server that reach data without an authorization event, so the owner
 * filters below never see them: any user could wipe every thread (`/internal/truncate`), read or
 * pin another user's thread through the thread protocol (`/threads/:id/commands`,
 * `/threads/:id/stream/events`, whose record remembers whoever called first), or replay another
 * user's run by its id alone (`GET /runs/:id/stream`). Delegate serves none of them.
 */
const UNGUARDED_ROUTES: readonly [method: string, path: RegExp, use: string][] = [
  ["*", /^\/internal(\/|$)/, "it is LangGraph's internal maintenance route"],
  [
    "DELETE",
    /^\/threads\/[^/]+\/runs\/[^/]+\/?$/,
    "deleting a run deletes its checkpoints, and its calls would run again; delete the thread instead",
  ],
  [
    "POST",
    /^\/threads\/[^/]+\/copy\/?$/,
    "a copy would carry the thread's waiting calls, to run once per copy; start a new thread instead",
  ],
  ["*", /^\/threads\/[^/]+\/(commands|stream\/events)\/?$/, "use the runs API (client.runs.stream)"],
  [
    "GET",
    /^\/runs\/[^/]+\/stream\/?$/,
    "join a run through its thread: GET /threads/{thread_id}/runs/{run_id}/stream",
  ],
];

/** The routes that start a run on a thread. */
const THREAD_RUN = /^\/threads\/([^/]+)\/runs(?:\/stream|\/wait)?\/?$/;

/** The headers a request authenticates with, passed on to the server's own look-ups for it. */
const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "x-auth-scheme", "origin"];

/**
 * A run that answers tool calls (Agent Chat UI's placeholders, written when the person types
 * instead of deciding: `checkRunInput` admits their shape) may answer only calls of this thread
 * that no result answered: the thread is read, as this caller, through the server itself. A server
 * that does not offer that look-up leaves the shape check alone, which is still safe: the graph
 * never takes a tool message it did not produce for a result.
 */
async function checkUiAnswers(request: Request, threadId: string): Promise<void> {
  let body: unknown;
  try {
    body = await request.clone().json();
  } catch {
    return; // LangGraph refuses a body that is not JSON by itself.
  }
  const answered = answeredCallIds((body as { input?: unknown } | null)?.input);
  if (answered.length === 0) return;
  const loopback = (globalThis as Record<symbol, unknown>)[Symbol.for("langgraph_api:fetch")];
  if (typeof loopback !== "function") return;
  const headers = new Headers();
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const response = (await loopback(`/threads/${encodeURIComponent(threadId)}`, { headers })) as Response;
  if (!response.ok) {
    throw new HTTPException(response.status === 404 ? 404 : 422, {
      message: `Thread ${threadId} could not be read to check which calls the run answers.`,
    });
  }
  const thread = (await response.json()) as { values?: { messages?: unknown } | null };
  const open = openCallIds(thread.values?.messages);
  const stray = answered.filter((id) => !open.has(id));
  if (stray.length > 0) {
    throw new HTTPException(422, {
      message: `A run's input may answer only calls waiting in this thread; ${stray.join(", ")} ${stray.length === 1 ? "is" : "are"} not.`,
    });
  }
}

function refuseUnguardedRoute(method: string, path: string): void {
  for (const [allowed, pattern, use] of UNGUARDED_ROUTES) {
    if ((allowed === "*" || allowed === method) && pattern.test(path)) {
      throw new HTTPException(403, { message: `Delegate does not serve ${method} ${path}: ${use}.` });
    }
  }
}

/**
 * Which thread each run of this process belongs to. LangGraph's server checks that a thread is
 * the caller's before joining one of its runs' streams, but then reads the stream by run id
 * alone: through their own thread, anyone holding another user's run id could read that run.
 */
const RUN_THREADS = new Map<string, string>();
const RUN_THREADS_KEPT = 50_000;

function rememberRun(runId: unknown, threadId: unknown): void {
  if (typeof runId !== "string" || typeof threadId !== "string") return;
  RUN_THREADS.set(runId, threadId);
  if (RUN_THREADS.size > RUN_THREADS_KEPT) RUN_THREADS.delete(RUN_THREADS.keys().next().value as string);
}

const RUN_STREAM = /^\/threads\/([^/]+)\/runs\/([^/]+)\/(stream|join)\/?$/;

/** A run's stream is joined through the thread it ran on, in this process, or not at all. */
function refuseForeignRunStream(method: string, path: string): void {
  const match = method === "GET" ? RUN_STREAM.exec(path) : null;
  if (match && RUN_THREADS.get(match[2] as string) !== match[1]) {
    throw new HTTPException(404, { message: `Run ${match[2]} not found on thread ${match[1]}.` });
  }
}

/** Stamps `metadata.owner` on what is being created, and filters everything by owner. */
function ownedBy(value: unknown, owner: string): { owner: string } {
  if (typeof value === "object" && value !== null && "metadata" in value) {
    const stamped = value as { metadata?: Record<string, unknown> | null };
    stamped.metadata ??= {};
    stamped.metadata.owner = owner;
  }
  return { owner };
}

export const auth = new Auth()
  .authenticate(async (request: Request) => {
    const path = new URL(request.url).pathname;
    // The checks below read the path as written, while the server routes on it percent-decoded
    // (so `/%69nternal/truncate` would reach `/internal/truncate`): a path that decoding or
    // collapsing slashes could change is refused, so no check sees another route than the one
    // served. Delegate's paths (thread and run UUIDs, `delegate`) never need either.
    if (path.includes("%") || path.includes("//")) {
      throw new HTTPException(400, {
        message: "Delegate's server takes paths as written, without percent-encoding or empty segments.",
      });
    }
    // The liveness probe answers without credentials (it reveals nothing and runs nothing).
    if (request.method === "GET" && path === "/ok") return HEALTH_CHECK_USER;
    // Scalekit's user-verify redirect: a browser without a token; the signed state authorizes it
    // (src/server/verify-route.ts), and the anonymous user can do nothing else.
    if (request.method === "GET" && path === "/delegate/verify") return HEALTH_CHECK_USER;
    // Scalekit's webhooks carry no token: their signature authorizes them (webhook-route.ts).
    if (request.method === "POST" && path === "/delegate/webhooks/scalekit") return HEALTH_CHECK_USER;
    const user = toServerUser(authenticateRequest(request));
    refuseUnguardedRoute(request.method, path);
    refuseForeignRunStream(request.method, path);
    if (request.method === "POST" && path === "/threads") {
      await checkNewThread(request);
    }
    const threadRun = request.method === "POST" ? THREAD_RUN.exec(path) : null;
    if (threadRun) await checkUiAnswers(request, threadRun[1] as string);
    return user;
  })
  // Threads, runs and crons: stamp the owner on create, filter by owner on everything.
  .on("*", ({ value, user }) => ownedBy(value, user.identity))
  // A run on no thread runs without checkpoints: it could never wait for consent or a decision
  // (LangGraph would only say "No checkpointer set"), so it is refused up front.
  .on("threads:create_run", ({ value, user }) => {
    if (value.if_not_exists === "create") throw chosenThreadId();
    // The server would POST the whole run (the person's mail among it) to any URL it is given.
    if (value.kwargs?.webhook != null) {
      throw new HTTPException(422, {
        message:
          "Delegate does not send run webhooks: the run's state (the person's mail and messages) would go to whatever URL the client names. Follow the run with runs.stream or runs.join.",
      });
    }
    refuseStateWritingCommand(value.kwargs);
    refuseRunPlacement(value.kwargs, value.multitask_strategy);
    refuseReservedMetadata(value.metadata);
    checkRunInput(value.kwargs);
    rememberRun(value.run_id, value.thread_id);
    if (value.thread_id == null && value.kwargs?.temporary === true) {
      throw new HTTPException(422, {
        message:
          'Delegate runs on a thread: it may have to wait for you to connect an account or approve an action, and only a thread keeps that state. Create one (client.threads.create(), or POST /threads) and run on it, or send on_completion: "keep" to keep this run\'s thread.',
      });
    }
    return ownedBy(value, user.identity);
  })
  // A thread's state is written by its runs only: a state update (`threads.updateState`, POST
  // /threads/{id}/state) could answer a call or slip one past the gate. Metadata updates pass.
  .on("threads:update", ({ value, user }) => {
    if (!("metadata" in value)) {
      throw new HTTPException(403, {
        message:
          "Delegate's thread state is written only by its runs (the gate decides every call). Send a message, or resume a waiting thread with command.resume.",
      });
    }
    refuseReservedMetadata(value.metadata);
    return ownedBy(value, user.identity);
  })
  .on("threads:create", ({ value, user }) => {
    refuseReservedMetadata(value.metadata);
    return ownedBy(value, user.identity);
  })
  // Assistants are configuration: Delegate serves its graph as the one system assistant
  // ("delegate"), which anyone may read. The server merges an assistant's config into every run
  // on it, so one a client made could start runs from an old checkpoint (a call run twice), and
  // other users could read it: none can be created, changed or deleted.
  .on("assistants", ({ action }) => {
    if (action === "read" || action === "search") return true;
    throw new HTTPException(403, {
      message:
        'Delegate serves one assistant, "delegate", configured by the server\'s environment: assistants cannot be created, changed or deleted.',
    });
  })
  // The store: a user's items live under a namespace that starts with the user.
  // A namespace filled in here would not bind a search or a namespace listing (the server
  // ignores it there), so the caller must name it.
  .on("store", ({ value, user }) => {
    const scoped = value as { namespace?: string[] | null };
    if (!scoped.namespace || scoped.namespace[0] !== user.identity) {
      throw new HTTPException(403, {
        message: `Store namespaces must start with your user id: use ["${user.identity}", …] (for a search, namespace_prefix).`,
      });
    }
    return true;
  });
