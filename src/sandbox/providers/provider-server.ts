import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { CONNECTOR_IDS, CONNECTORS, type ConnectorId } from "../../index.js";
import type { TokenVerifier } from "../token-grants.js";
import type { ProviderEmulator, ProviderHttpResponse } from "./provider-emulator.js";

export interface ProviderFault {
  /** Path prefix the fault applies to, e.g. `/gmail/v1/users/me/messages`. */
  pathPrefix: string;
  count: number;
  response: ProviderHttpResponse;
}

export interface ProviderServer {
  /** Base URL every connector's `baseUrl` points at in the sandbox. */
  url: string;
  port: number;
  emulators: readonly ProviderEmulator[];
  /** Answer the next `count` requests under `pathPrefix` with `response` (429, 500, 404…). */
  failNext(pathPrefix: string, count: number, response: ProviderHttpResponse): void;
  /** Every request the server received, newest last (method, path, status). */
  requests: { method: string; path: string; status: number; identifier?: string | undefined }[];
  close(): Promise<void>;
}

export interface ProviderServerOptions {
  tokens: TokenVerifier;
  emulators: readonly ProviderEmulator[];
  /** Each connector's Scalekit connection name; Scalekit's default slugs when omitted. */
  connectionNames?: Readonly<Record<ConnectorId, string>>;
  port?: number;
  host?: string;
}

/**
 * One loopback HTTP server for all provider emulators. It authenticates the bearer token against
 * the Scalekit emulator's grants, checks that the token belongs to the provider's connection and
 * carries the needed scope, applies injected faults, then hands the request to the emulator.
 */
export async function startProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  const names =
    options.connectionNames ??
    Object.fromEntries(CONNECTOR_IDS.map((id) => [id, CONNECTORS[id].defaultConnection]));
  const faults: ProviderFault[] = [];
  const requests: ProviderServer["requests"] = [];
  const sockets = new Set<Socket>();

  const route = (path: string) =>
    options.emulators.find((emulator) => emulator.pathPrefixes.some((prefix) => path.startsWith(prefix)));

  const handle = async (
    req: IncomingMessage,
  ): Promise<{ response: ProviderHttpResponse; identifier?: string }> => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const emulator = route(url.pathname);
    if (!emulator)
      return { response: { status: 404, body: { error: `no emulator serves ${url.pathname}` } } };
    const fault = faults.find((f) => url.pathname.startsWith(f.pathPrefix) && f.count > 0);
    if (fault) {
      fault.count--;
      return { response: fault.response };
    }
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const grant = token ? options.tokens.verify(token) : undefined;
    if (!grant || grant.connection !== names[emulator.connector])
      return { response: emulator.unauthorized() };
    const body = await readJson(req);
    const request = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, body };
    const scope = emulator.requiredScope?.(request);
    if (scope && !grant.scopes.includes(scope)) {
      return { response: emulator.insufficientScope(scope), identifier: grant.identifier };
    }
    return { response: await emulator.handle({ ...request, grant }), identifier: grant.identifier };
  };

  const server = createServer((req, res) => {
    handle(req)
      .then(({ response, identifier }) => {
        requests.push({
          method: req.method ?? "GET",
          path: req.url ?? "/",
          status: response.status,
          identifier,
        });
        send(res, response);
      })
      .catch((error: unknown) => {
        requests.push({ method: req.method ?? "GET", path: req.url ?? "/", status: 500 });
        send(res, { status: 500, body: { error: { code: 500, message: (error as Error).message } } });
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    emulators: options.emulators,
    requests,
    failNext(pathPrefix, count, response) {
      faults.push({ pathPrefix, count, response });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function send(res: ServerResponse, response: ProviderHttpResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  if (response.body === undefined) {
    res.writeHead(response.status, headers).end();
    return;
  }
  headers["content-type"] ??= "application/json; charset=utf-8";
  res.writeHead(response.status, headers).end(JSON.stringify(response.body));
}
