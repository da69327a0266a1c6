/**
 * Embedding Delegate in your own HTTP server (offline, on the sandbox).
 *
 *   npx tsx examples/embedded-server.ts            # listens on 127.0.0.1:8787
 *
 *   POST /threads/:id/messages   {"text": "..."}   → the turn's events as server-sent events
 *   GET  /threads/:id                               → messages and any pending authorization
 *   POST /threads/:id/cancel                        → cancel a pending authorization
 *   POST /webhooks/scalekit                         → Scalekit webhooks (signature verified)
 *
 * The caller is named by the `x-user-id` header to keep the example short; a real server takes
 * the user from its own authentication. In your app, import from "delegate" and
 * "delegate/sandbox" instead of the relative paths below.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { type AgentRuntime, createAgentRuntime, isDelegateError, type RuntimeEvent } from "../src/index.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";

export interface EmbeddedServer {
  url: string;
  runtime: AgentRuntime;
  sandbox: Sandbox;
  close(): Promise<void>;
}

export async function startEmbeddedServer(
  options: { port?: number; databaseUrl?: string } = {},
): Promise<EmbeddedServer> {
  const sandbox = await startSandbox();
  const runtime = await createAgentRuntime({
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    webhookSecret: sandbox.webhookSecret,
    databaseUrl: options.databaseUrl ?? ":memory:",
    onToolAudit: (record) =>
      console.log(
        `[audit] ${record.toolName} as ${record.userId} on ${record.connection ?? "-"}: ${record.outcome}`,
      ),
  });

  const server: Server = createServer((req, res) => {
    route(runtime, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, statusFor(error), { error: errorBody(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The sandbox's Scalekit emulator posts connected-account webhooks here, as Scalekit would.
  sandbox.scalekit.addWebhookUrl(`${url}/webhooks/scalekit`);

  return {
    url,
    runtime,
    sandbox,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      await sandbox.close();
    },
  };
}

async function route(runtime: AgentRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "POST" && url.pathname === "/webhooks/scalekit") {
    const result = await runtime.handleWebhook({ headers: req.headers, body: await readBody(req) });
    sendJson(res, result.status, { resumed: result.resumedThreads });
    return;
  }
  const match = /^\/threads\/([\w.:-]{1,128})(\/messages|\/cancel)?$/.exec(url.pathname);
  const userId = req.headers["x-user-id"];
  if (!match || typeof userId !== "string" || !userId) {
    sendJson(res, 404, {
      error: { code: "NOT_FOUND", message: "Unknown route or missing x-user-id header." },
    });
    return;
  }
  const ref = { userId, threadId: match[1] as string };
  if (req.method === "GET" && !match[2]) {
    sendJson(res, 200, await runtime.getThread(ref));
  } else if (req.method === "POST" && match[2] === "/messages") {
    const { text } = JSON.parse((await readBody(req)) || "{}") as { text?: string };
    await streamEvents(res, runtime.send({ ...ref, text: text ?? "" }));
  } else if (req.method === "POST" && match[2] === "/cancel") {
    await streamEvents(res, runtime.cancel(ref));
  } else {
    sendJson(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "Method not allowed." } });
  }
}

/** Server-sent events: one `event: <type>` per runtime event. The stream stays open while the
 * turn waits for authorization and carries on with the auto-resumed run. */
async function streamEvents(res: ServerResponse, events: AsyncIterable<RuntimeEvent>): Promise<void> {
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
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  try {
    for (let next = first; !next.done; next = await iterator.next()) write(next.value);
  } catch (error) {
    res.write(`event: error\ndata: ${JSON.stringify(errorBody(error))}\n\n`);
  }
  res.end();
}

function statusFor(error: unknown): number {
  if (!isDelegateError(error)) return 500;
  return (
    { THREAD_FORBIDDEN: 403, THREAD_NOT_FOUND: 404, THREAD_BUSY: 409, CONFIG_INVALID: 400 }[
      error.code as string
    ] ?? 502
  );
}

function errorBody(error: unknown) {
  return isDelegateError(error)
    ? { code: error.code, message: error.message }
    : { code: "INTERNAL", message: "Internal error" };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const server = await startEmbeddedServer({ port: Number(process.env.PORT ?? 8787) });
  console.log(
    `Delegate embedded example on ${server.url} (sandbox Scalekit at ${server.sandbox.settings.environmentUrl})`,
  );
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
