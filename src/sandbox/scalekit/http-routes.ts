import type { AccountRecord, AccountStore } from "./account-store.js";
import type { CallLog } from "./call-log.js";
import type { ClientCredentials } from "./client-credentials.js";
import { renderConnectedPage } from "./consent-page.js";
import { magicLinkRoute } from "./consent-routes.js";
import { delay, type FaultInjector } from "./faults.js";
import {
  headerValue,
  httpStatusFor,
  type NodeHandler,
  type NodeRequest,
  type Response,
  readBody,
  sendHtml,
  sendJson,
} from "./http-util.js";
import { answerUnimplementedRpc } from "./unimplemented-rpc.js";

export interface HttpRoutesDependencies {
  store: AccountStore;
  credentials: ClientCredentials;
  calls: CallLog;
  faults: FaultInjector;
  /** Where `/proxy/...` forwards to (the provider emulators), when set. */
  proxyTarget(): string | undefined;
  /** Refuse consent POSTs without the page's form token. */
  requireFormToken: boolean;
}

/**
 * Everything the gRPC router does not serve: the M2M token endpoint, the magic-link pages, the
 * proxy, and an Unimplemented answer for RPCs to unknown services or methods.
 */
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
    return magicLinkRoute(deps, linkMatch[1], request, response);
  }
  if (url.pathname === "/connected" && method === "GET") {
    const connection = deps.store.connection(url.searchParams.get("connection") ?? "");
    return sendHtml(response, 200, renderConnectedPage(connection?.displayName ?? "Your account"));
  }
  if (url.pathname === "/health" && method === "GET") return sendJson(response, 200, { ok: true });
  if (url.pathname.startsWith("/proxy/")) return proxy(deps, url, request, response);
  if (answerUnimplementedRpc(request, response, deps)) return;
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
 * `actions.request`: Scalekit calls the provider with the user's credentials, so the caller never
 * holds them. Authenticated by the M2M bearer; the account is named by the `connection_name` and
 * `identifier` headers the SDK sends, scoped by optional `organization_id` / `user_id` headers.
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
  if (deps.store.connection(connection) === undefined) {
    return sendJson(response, 404, { code: "not_found", message: `connection "${connection}" not found` });
  }
  const account = deps.store.find({
    connection,
    identifier: headerValue(request, "identifier") ?? "",
    organizationId: headerValue(request, "organization_id") ?? "",
    userId: headerValue(request, "user_id") ?? "",
  });
  if (account === undefined)
    return sendJson(response, 404, { code: "not_found", message: "connected account not found" });
  const authorization = providerAuthorization(deps.store, account);
  if (authorization === undefined) {
    return sendJson(response, 401, {
      code: "unauthenticated",
      message: "the connected account is not active",
    });
  }
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await readBody(request);
  const contentType = headerValue(request, "content-type");
  const upstream = await fetch(`${target}${url.pathname.slice("/proxy".length)}${url.search}`, {
    method: request.method ?? "GET",
    headers: { ...authorization, ...(contentType ? { "content-type": contentType } : {}) },
    ...(body ? { body } : {}),
  });
  response.statusCode = upstream.status;
  response.setHeader("content-type", upstream.headers.get("content-type") ?? "application/json");
  response.end(await upstream.text());
}

/** How the proxy authenticates to the provider with the account's credentials, if usable. */
function providerAuthorization(
  store: AccountStore,
  account: AccountRecord,
): Record<string, string> | undefined {
  if (!store.isUsable(account)) return undefined;
  const details = account.staticAuth;
  if (details === undefined) return { authorization: `Bearer ${account.accessToken}` };
  const field = (name: string) => (typeof details[name] === "string" ? (details[name] as string) : "");
  switch (account.connection.authorization) {
    case "BASIC_AUTH":
      return {
        authorization: `Basic ${Buffer.from(`${field("username")}:${field("password")}`).toString("base64")}`,
      };
    case "BEARER_TOKEN":
      return { authorization: `Bearer ${field("token")}` };
    default:
      return { "x-api-key": field("api_key") };
  }
}
