import { Code } from "@connectrpc/connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import type { AccountStore } from "./account-store.js";
import type { CallLog } from "./call-log.js";
import type { ClientCredentials } from "./client-credentials.js";
import {
  renderBadRequestPage,
  renderConnectedPage,
  renderConsentPage,
  renderDeniedPage,
  renderUnusableLinkPage,
} from "./consent-page.js";
import { delay, type FaultInjector } from "./faults.js";

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
type NodeRequest = Parameters<NodeHandler>[0];

/** What both the HTTP/1.1 and HTTP/2 response classes offer; their overloads do not unify. */
interface Response {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  end(chunk?: string): unknown;
}

const MAX_BODY_BYTES = 64 * 1024;

/** Content-Security-Policy for the pages: inline styles only, forms post back to the emulator. */
function pageCsp(formOrigin?: string): string {
  const formAction = formOrigin === undefined ? "'self'" : `'self' ${formOrigin}`;
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'`;
}

export interface HttpRoutesDependencies {
  store: AccountStore;
  credentials: ClientCredentials;
  calls: CallLog;
  faults: FaultInjector;
  /** Where `/proxy/...` forwards to (the provider emulators), when set. */
  proxyTarget(): string | undefined;
}

/** The non-gRPC endpoints: the M2M token endpoint and the magic-link consent flow. */
export function httpRoutes(dependencies: HttpRoutesDependencies): NodeHandler {
  return (request, response) => {
    const out = response as unknown as Response;
    route(dependencies, request, out).catch(() => {
      if (!out.headersSent) sendJson(out, 500, { error: "server_error" });
      else out.end();
    });
  };
}

async function route(deps: HttpRoutesDependencies, request: NodeRequest, response: Response): Promise<void> {
  const url = new URL(request.url ?? "/", "http://sandbox.invalid");
  const method = request.method ?? "GET";
  if (url.pathname === "/oauth/token" && method === "POST") return tokenEndpoint(deps, request, response);
  const linkMatch = /^\/magicLink\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
  if (linkMatch?.[1] !== undefined && (method === "GET" || method === "POST")) {
    return magicLink(deps, linkMatch[1], request, response);
  }
  if (url.pathname === "/connected" && method === "GET") {
    const connection = deps.store.connection(url.searchParams.get("connection") ?? "");
    return sendHtml(response, 200, renderConnectedPage(connection?.displayName ?? "Your account"));
  }
  if (url.pathname === "/health" && method === "GET") return sendJson(response, 200, { ok: true });
  if (url.pathname.startsWith("/proxy/")) return proxy(deps, url, request, response);
  sendJson(response, 404, { code: "not_found", message: `no route for ${method} ${url.pathname}` });
}

async function tokenEndpoint(
  deps: HttpRoutesDependencies,
  request: NodeRequest,
  response: Response,
): Promise<void> {
  const form = new URLSearchParams(await readBody(request));
  deps.calls.record("OAuthToken", deps.credentials.accepts(form));
  await delay(deps.faults.latencyFor("OAuthToken"));
  const fault = deps.faults.take("OAuthToken");
  if (fault !== undefined) {
    return sendJson(response, httpStatusFor(fault.code), {
      error: "server_error",
      error_description: fault.message,
    });
  }
  const result = deps.credentials.issue(form);
  if (!result.ok) {
    return sendJson(response, result.status, { error: result.error, error_description: result.description });
  }
  sendJson(response, 200, {
    access_token: result.accessToken,
    token_type: "Bearer",
    expires_in: result.expiresIn,
    scope: "",
  });
}

/**
 * `actions.request`: Scalekit calls the provider with the user's token, so the caller never holds
 * it. Authenticated by the M2M bearer; the account is named by `connection_name` and `identifier`.
 */
async function proxy(
  deps: HttpRoutesDependencies,
  url: URL,
  request: NodeRequest,
  response: Response,
): Promise<void> {
  const authorized = deps.credentials.isAuthorized(headerValue(request, "authorization"));
  deps.calls.record("Proxy", authorized);
  if (!authorized)
    return sendJson(response, 401, { code: "unauthenticated", message: "missing or invalid bearer token" });
  const target = deps.proxyTarget();
  if (target === undefined)
    return sendJson(response, 501, { code: "unimplemented", message: "no proxy target set" });
  const connection = headerValue(request, "connection_name") ?? "";
  const identifier = headerValue(request, "identifier") ?? "";
  if (deps.store.connection(connection) === undefined) {
    return sendJson(response, 404, { code: "not_found", message: `connection "${connection}" not found` });
  }
  const account = deps.store.find(identifier, connection);
  if (account === undefined)
    return sendJson(response, 404, { code: "not_found", message: "connected account not found" });
  if (!deps.store.hasLiveToken(account) || account.accessToken === undefined) {
    return sendJson(response, 401, {
      code: "unauthenticated",
      message: "the connected account is not active",
    });
  }
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await readBody(request);
  const contentType = headerValue(request, "content-type");
  const upstream = await fetch(`${target}${url.pathname.slice("/proxy".length)}${url.search}`, {
    method: request.method ?? "GET",
    headers: {
      authorization: `Bearer ${account.accessToken}`,
      ...(contentType ? { "content-type": contentType } : {}),
    },
    ...(body ? { body } : {}),
  });
  response.statusCode = upstream.status;
  response.setHeader("content-type", upstream.headers.get("content-type") ?? "application/json");
  response.end(await upstream.text());
}

function headerValue(request: NodeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function magicLink(
  { store }: HttpRoutesDependencies,
  id: string,
  request: NodeRequest,
  response: Response,
): Promise<void> {
  const link = store.link(id);
  if (link === undefined) return sendHtml(response, 404, renderUnusableLinkPage("unknown"));
  const state = store.linkState(link);
  if (state !== "valid") return sendHtml(response, 410, renderUnusableLinkPage(state));
  const account = store.byId(link.accountId);
  if (account === undefined) return sendHtml(response, 410, renderUnusableLinkPage("orphaned"));
  const displayName = account.connection.displayName;

  if (request.method === "GET") {
    return sendHtml(
      response,
      200,
      renderConsentPage({
        displayName,
        identifier: account.identifier,
        scopes: account.connection.scopes,
        actionUrl: link.url,
        expiresAt: new Date(link.expiresAt),
      }),
      // The page may be opened via another host name (localhost) than the link's.
      new URL(link.url).origin,
    );
  }

  const decision = new URLSearchParams(await readBody(request)).get("decision");
  if (decision !== "allow" && decision !== "deny") {
    return sendHtml(response, 400, renderBadRequestPage('Expected decision "allow" or "deny".'));
  }
  const outcome = store.completeConsent(link, decision);
  if (outcome.kind === "denied") return sendHtml(response, 200, renderDeniedPage(displayName));
  if (outcome.kind === "verify") {
    response.statusCode = 303;
    response.setHeader("location", outcome.redirectUrl);
    response.setHeader("cache-control", "no-store");
    response.end();
    return;
  }
  sendHtml(response, 200, renderConnectedPage(displayName, account.identifier));
}

async function readBody(request: NodeRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendHtml(response: Response, status: number, html: string, formOrigin?: string): void {
  response.statusCode = status;
  response.setHeader("content-type", "text/html; charset=utf-8");
  response.setHeader("cache-control", "no-store");
  response.setHeader("content-security-policy", pageCsp(formOrigin));
  response.setHeader("x-content-type-options", "nosniff");
  response.setHeader("referrer-policy", "no-referrer");
  response.end(html);
}

function sendJson(response: Response, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader("content-type", "application/json");
  response.setHeader("cache-control", "no-store");
  response.end(JSON.stringify(body));
}

function httpStatusFor(code: Code): number {
  switch (code) {
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
      return 400;
    case Code.Unauthenticated:
      return 401;
    case Code.PermissionDenied:
      return 403;
    case Code.NotFound:
      return 404;
    case Code.AlreadyExists:
    case Code.Aborted:
      return 409;
    case Code.ResourceExhausted:
      return 429;
    case Code.Unimplemented:
      return 501;
    case Code.Unavailable:
      return 503;
    case Code.DeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}
