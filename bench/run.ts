/**
 * Delegate benchmarks: figures, not pass/fail. Each compares against a baseline measured in the
 * same run on the same sandbox, so the ratios hold across machines.
 *
 *   npm run bench            # prints a table and one JSON line
 */
import { performance } from "node:perf_hooks";
import { CachedAgentAuth } from "../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../src/auth/scalekit-agent-auth.js";
import { createAgentRuntime } from "../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { DemoChatModel } from "../src/sandbox/index.js";
import { startSandbox } from "../src/sandbox/start-sandbox.js";

interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target?: string;
}

const rows: Row[] = [];
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const round = (value: number) => Math.round(value * 100) / 100;

async function time(iterations: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const sandbox = await startSandbox({ timeZone: "UTC" });
try {
  // 1. Status and credential look-ups: the port straight to Scalekit vs the cache in front of it.
  const direct = new ScalekitAgentAuth(sandbox.settings);
  const cached = new CachedAgentAuth(direct);
  const user = { userId: "bench-user" };
  const connections = ["gmail", "googlecalendar", "slack", "notion", "outlook"];
  for (const connection of connections) await sandbox.scalekit.approve(user.userId, connection);
  await direct.getStatuses(user, connections); // warm the SDK's HTTP/2 session and M2M token
  const cold = await time(200, () => direct.getStatuses(user, connections));
  await cached.getStatuses(user, connections);
  sandbox.scalekit.calls.reset();
  const warm = await time(200, () => cached.getStatuses(user, connections));
  const warmCalls = sandbox.scalekit.calls.count();
  rows.push({
    name: "status look-up, 5 connections (p50)",
    value: round(percentile(warm, 50) * 1000),
    unit: "µs cached",
    baseline: round(percentile(cold, 50) * 1000),
    ratio: round(percentile(cold, 50) / Math.max(percentile(warm, 50), 1e-6)),
    target: "warm path makes 0 Scalekit calls",
  });
  rows.push({ name: "Scalekit calls on 200 warm look-ups", value: warmCalls, unit: "calls", target: "0" });

  const coldCredentials = await time(200, () => direct.getCredentials(user, "gmail"));
  await cached.getCredentials(user, "gmail");
  const warmCredentials = await time(200, () => cached.getCredentials(user, "gmail"));
  rows.push({
    name: "credentials (p50)",
    value: round(percentile(warmCredentials, 50) * 1000),
    unit: "µs cached",
    baseline: round(percentile(coldCredentials, 50) * 1000),
    ratio: round(percentile(coldCredentials, 50) / Math.max(percentile(warmCredentials, 50), 1e-6)),
  });

  // 2. Concurrent look-ups share one call.
  const fresh = new CachedAgentAuth(direct);
  sandbox.scalekit.calls.reset();
  await Promise.all(
    Array.from({ length: 50 }, () => fresh.getStatuses({ userId: "bench-burst" }, connections)),
  );
  rows.push({
    name: "50 concurrent look-ups, one user",
    value: sandbox.scalekit.calls.count("ListConnectedAccounts"),
    unit: "calls",
    target: "1",
  });

  // 3. A whole turn with the offline model (connected user) vs the provider call it makes.
  const runtime = await createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    databaseUrl: ":memory:",
    timeZone: "UTC",
    webhookSecret: sandbox.webhookSecret,
  });
  const collect = async (
    stream: AsyncIterable<RuntimeEvent>,
    onEvent?: (e: RuntimeEvent) => Promise<void>,
  ) => {
    for await (const event of stream) await onEvent?.(event);
  };
  const credentials = await direct.getCredentials(user, "gmail");
  const provider = await time(50, () =>
    fetch(`${sandbox.providers.url}/gmail/v1/users/me/messages?q=is%3Aunread&maxResults=10`, {
      headers: { authorization: `Bearer ${credentials.accessToken}` },
    }).then((r) => r.text()),
  );
  const turns = await time(50, (i) =>
    collect(runtime.send({ userId: user.userId, threadId: `bench-turn-${i}`, text: "show my unread email" })),
  );
  rows.push({
    name: "turn: 'show my unread email' (p50)",
    value: round(percentile(turns, 50)),
    unit: "ms",
    baseline: round(percentile(provider, 50)),
    ratio: round(percentile(turns, 50) / Math.max(percentile(provider, 50), 1e-6)),
    target: "baseline = the bare provider list call",
  });
  rows.push({ name: "turn p95", value: round(percentile(turns, 95)), unit: "ms" });

  // 4. Time from consent to the resumed run: webhook vs polling alone.
  const resumeLatency = async (threadPrefix: string, useWebhook: boolean, count: number) => {
    const samples: number[] = [];
    const server = useWebhook
      ? await import("node:http").then(({ createServer }) => {
          const s = createServer(async (req, res) => {
            const chunks: Buffer[] = [];
            for await (const chunk of req) chunks.push(chunk as Buffer);
            const result = await runtime.handleWebhook({
              headers: req.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            });
            res.writeHead(result.status).end();
          });
          return new Promise<import("node:http").Server>((resolve) =>
            s.listen(0, "127.0.0.1", () => resolve(s)),
          );
        })
      : undefined;
    const hook = server
      ? `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}/`
      : undefined;
    if (hook) sandbox.scalekit.addWebhookUrl(hook);
    for (let i = 0; i < count; i++) {
      const who = `${threadPrefix}-${i}`;
      let approvedAt = 0;
      await collect(
        runtime.send({ userId: who, threadId: who, text: "show my unread email" }),
        async (event) => {
          if (event.type === "authorization-required") {
            approvedAt = performance.now();
            await sandbox.scalekit.approve(who, "gmail");
          }
          if (event.type === "authorization-completed") samples.push(performance.now() - approvedAt);
        },
      );
    }
    if (hook) sandbox.scalekit.removeWebhookUrl(hook);
    server?.close();
    return samples;
  };
  const polled = await resumeLatency("bench-poll", false, 10);
  const hooked = await resumeLatency("bench-hook", true, 10);
  rows.push({
    name: "consent → resume (p50)",
    value: round(percentile(hooked, 50)),
    unit: "ms via webhook",
    baseline: round(percentile(polled, 50)),
    ratio: round(percentile(polled, 50) / Math.max(percentile(hooked, 50), 1e-6)),
    target: "poll starts at 0.5 s and backs off to 5 s",
  });
  await runtime.close();
} finally {
  await sandbox.close();
}

const header = ["benchmark", "value", "unit", "baseline", "ratio", "target"];
const table = rows.map((row) => [
  row.name,
  String(row.value),
  row.unit,
  row.baseline === undefined ? "" : String(row.baseline),
  row.ratio === undefined ? "" : `${row.ratio}×`,
  row.target ?? "",
]);
const widths = header.map((title, column) =>
  Math.max(title.length, ...table.map((line) => (line[column] ?? "").length)),
);
const format = (line: string[]) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
console.log(format(header));
console.log(widths.map((width) => "-".repeat(width)).join("  "));
for (const line of table) console.log(format(line));
console.log(JSON.stringify({ node: process.version, results: rows }));
