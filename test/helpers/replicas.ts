import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ReplicaEvent {
  replica: string;
  type: "authorization-required" | "authorization-completed" | "turn-end" | "error";
  threadId: string;
  via?: string;
  at: number;
}

export interface Replica {
  name: string;
  /** Its webhook endpoint. */
  webhookUrl: string;
  events: ReplicaEvent[];
  /** Sends a message; resolves once the turn waits for authorization or ends. */
  send(userId: string, threadId: string, text: string): Promise<void>;
  close(): Promise<void>;
}

export interface ReplicaConfig {
  name: string;
  scalekit: { environmentUrl: string; clientId: string; clientSecret: string };
  providerBaseUrl: string;
  webhookSecret: string;
  databaseUrl: string;
  poll?: Record<string, number>;
}

/** Delegate's runtime in a child process (test/fixtures/scale-replica.ts). */
export async function startReplica(config: ReplicaConfig): Promise<Replica> {
  const script = fileURLToPath(new URL("../fixtures/scale-replica.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const events: ReplicaEvent[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on("line", (line) => {
      const value = JSON.parse(line) as { port?: number } & ReplicaEvent;
      if (value.port !== undefined) resolve(value.port);
      else events.push(value);
    });
    child.once("exit", (code) => reject(new Error(`replica ${config.name} exited (${code})`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    name: config.name,
    webhookUrl: `${base}/webhook`,
    events,
    async send(userId, threadId, text) {
      const response = await fetch(`${base}/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId, threadId, text }),
      });
      if (!response.ok) throw new Error(`send ${threadId}: ${response.status} ${await response.text()}`);
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await fetch(`${base}/close`, { method: "POST" }).catch(() => {});
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * An endpoint for Scalekit's webhooks that hands each delivery to one of `targets`, in turn,
 * as a load balancer in front of replicas would.
 */
export async function startWebhookSplitter(targets: () => readonly string[]): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const all = targets();
    const target = all[next++ % Math.max(all.length, 1)];
    if (!target) {
      res.writeHead(503).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && (key.startsWith("webhook-") || key === "content-type"))
        headers[key] = value;
    }
    const response = await fetch(target, { method: "POST", headers, body: Buffer.concat(chunks) }).catch(
      () => undefined,
    );
    res.writeHead(response?.status ?? 502).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
