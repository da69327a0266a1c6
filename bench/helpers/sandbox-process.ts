/**
 * The sandbox in a process of its own, for benchmarks that measure Delegate's memory and calls
 * without the emulators' own. Prints one JSON line (settings, provider and control URLs), then
 * serves a small control API on 127.0.0.1:
 *   POST /approve  {"userId","connector"}   consent, as a person would
 *   GET  /calls                             Scalekit calls so far, by method
 *   POST /calls/reset
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConnectorId } from "../../src/index.js";
import { startSandbox } from "../../src/sandbox/index.js";

const webhookUrls = process.argv.slice(2).filter((arg) => arg.startsWith("http"));
const sandbox = await startSandbox({ timeZone: "UTC", webhookUrls });
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
  try {
    if (req.method === "POST" && req.url === "/approve") {
      await sandbox.controls.approve({ userId: body.userId }, body.connector as ConnectorId);
      res.writeHead(204).end();
    } else if (req.url === "/calls" && req.method === "GET") {
      const counts: Record<string, number> = {};
      for (const call of sandbox.scalekit.calls.log) counts[call.method] = (counts[call.method] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(counts));
    } else if (req.url === "/calls/reset" && req.method === "POST") {
      sandbox.scalekit.calls.reset();
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
// Idle keep-alive sockets outlive the client's reuse of them (no "other side closed" races).
server.keepAliveTimeout = 120_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
process.stdout.write(
  `${JSON.stringify({
    settings: sandbox.settings,
    providerUrl: sandbox.providers.url,
    webhookSecret: sandbox.webhookSecret,
    control: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  })}\n`,
);
process.on("SIGTERM", () => {
  server.close();
  void sandbox.close().then(() => process.exit(0));
});
