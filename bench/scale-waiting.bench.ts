/**
 * Threads waiting for consent: what they cost in memory, how many Scalekit calls the watcher
 * makes while they wait (with Scalekit's event feed, and with a port that has none, which polls
 * by connection in pages), and how soon a consent given in the first minute resumes its thread
 * by polling alone. The sandbox runs in a process of its own, so the heap is Delegate's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { ScalekitAgentAuth } from "../src/auth/scalekit/scalekit-agent-auth.js";
import { type AgentRuntime, createAgentRuntime } from "../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { DemoChatModel } from "../src/sandbox/index.js";
import { portWithout } from "../test/helpers/agent-auth-port.js";
import { heapMb, pool, type SandboxProcess, startSandboxProcess, sum } from "./helpers/sandbox-client.js";
import { type Bench, percentile, type Row, ratio, round } from "./report.js";

const TEXT = "show my unread email";
const BUDGET = 10;

async function open(
  sandbox: SandboxProcess,
  databaseUrl: string,
  options: { feed: boolean; onEvent?: (event: RuntimeEvent) => void; webhooks?: boolean },
): Promise<AgentRuntime> {
  const auth = new ScalekitAgentAuth(sandbox.settings);
  return createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    agentAuth: options.feed ? auth : portWithout(auth, { scan: true }),
    providerBaseUrls: sandbox.providerBaseUrls,
    databaseUrl,
    timeZone: "UTC",
    poll: { budgetPerSecond: BUDGET },
    authorizationTimeoutMs: 60 * 60_000,
    ...(options.webhooks ? { webhookSecret: sandbox.webhookSecret } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

const drain = async (stream: AsyncIterable<RuntimeEvent>) => {
  for await (const _ of stream);
};

/** Starts `count` threads that wait for Gmail; resolves to the seconds it took. */
async function startWaiting(runtime: AgentRuntime, prefix: string, count: number): Promise<number> {
  const start = performance.now();
  await pool(count, 20, (i) =>
    drain(
      runtime.send({
        userId: `${prefix}-${i}`,
        threadId: `${prefix}-${i}`,
        text: TEXT,
        waitForAuthorization: false,
      }),
    ),
  );
  return (performance.now() - start) / 1000;
}

/** Scalekit calls per second while nothing happens but waiting. */
async function callsWhileWaiting(sandbox: SandboxProcess, windowMs: number): Promise<number> {
  await sandbox.resetCalls();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return sum(await sandbox.calls()) / (windowMs / 1000);
}

/**
 * Consent → resume latency: `count` of the waiting threads are consented to at random moments
 * within `spreadMs` of their start, by polling alone (or webhooks); milliseconds per consent.
 */
async function resumeLatency(
  sandbox: SandboxProcess,
  runtime: AgentRuntime,
  completed: Map<string, number>,
  prefix: string,
  count: number,
  spreadMs: number,
): Promise<number[]> {
  await startWaiting(runtime, prefix, count);
  const samples: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * spreadMs));
      const threadId = `${prefix}-${i}`;
      const approvedAt = performance.now();
      await sandbox.approve(threadId, "gmail");
      const deadline = approvedAt + 30_000;
      while (!completed.has(threadId) && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      samples.push((completed.get(threadId) ?? deadline) - approvedAt);
    }),
  );
  return samples;
}

export const bench: Bench = async ({ scale }) => {
  const rows: Row[] = [];
  const folder = mkdtempSync(join(tmpdir(), "delegate-bench-waiting-"));
  try {
    // ---- memory, start time and calls while waiting, at each size -------------------------
    for (const count of scale ? [1_000, 10_000] : [1_000]) {
      const sandbox = await startSandboxProcess();
      const databaseUrl = join(folder, `waiting-${count}.sqlite`);
      try {
        let runtime = await open(sandbox, databaseUrl, { feed: true });
        await sandbox.approve("warm", "gmail");
        await drain(runtime.send({ userId: "warm", threadId: "warm", text: TEXT }));
        const before = heapMb();
        const seconds = await startWaiting(runtime, `w${count}`, count);
        const added = heapMb() - before;
        const windowMs = scale ? 30_000 : 10_000;
        const feedRate = await callsWhileWaiting(sandbox, windowMs);
        await runtime.close();
        // The same waiting threads, picked up from the database by a runtime whose port has no
        // event feed: it polls, a page of a connection's accounts at a time. As after a long
        // outage, every one of them is overdue: the worst case for the budget.
        const db = new Database(databaseUrl);
        db.prepare("UPDATE delegate_waiting_threads SET next_check_at = 0").run();
        db.close();
        runtime = await open(sandbox, databaseUrl, { feed: false });
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const pageRate = await callsWhileWaiting(sandbox, windowMs);
        await runtime.close();
        const label = count.toLocaleString("en-US");
        process.stderr.write(
          `scale-waiting: ${label} waiting: +${round(added, 1)} MB heap, started in ${round(seconds, 1)} s, ${round(feedRate, 2)} calls/s (feed), ${round(pageRate, 2)} calls/s (pages)\n`,
        );
        rows.push(
          {
            name: `${label} waiting threads: heap added`,
            value: round(added, 1),
            unit: "MB",
            target: count >= 10_000 ? "≤ 100 MB" : "≤ 15 MB",
          },
          {
            name: `${label} waiting threads: time to start them`,
            value: round(seconds, 1),
            unit: "s",
            target: count === 1_000 ? "before: 44 s" : "",
          },
          {
            name: `${label} waiting: Scalekit calls/s (event feed)`,
            value: round(feedRate, 2),
            unit: "calls/s",
            baseline: count / 5,
            ratio: ratio(feedRate, count / 5),
            target: `≤ ${BUDGET}/s budget; baseline: a poll per user every 5 s (before: 250/s at 1,000)`,
          },
          {
            name: `${label} waiting, all overdue: Scalekit calls/s (no feed: pages)`,
            value: round(pageRate, 2),
            unit: "calls/s",
            baseline: count / 5,
            ratio: ratio(pageRate, count / 5),
            target: `≤ ${BUDGET}/s budget`,
          },
        );
      } finally {
        await sandbox.close();
      }
    }

    // ---- consent → resume, by polling alone (feed, pages) and by webhook --------------------
    const completed = new Map<string, number>();
    const onEvent = (event: RuntimeEvent) => {
      if (event.type === "authorization-completed") completed.set(event.threadId, performance.now());
    };
    const waiting = scale ? 1_000 : 100;
    const spreadMs = scale ? 55_000 : 10_000;
    let receiver: AgentRuntime | undefined;
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const result = receiver
        ? await receiver.handleWebhook({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
        : { status: 503 };
      res.writeHead(result.status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const latency: Record<string, number[]> = {};
    try {
      for (const mode of ["feed", "pages", "webhook"] as const) {
        const sandbox = await startSandboxProcess(mode === "webhook" ? [hookUrl] : []);
        try {
          const runtime = await open(sandbox, join(folder, `latency-${mode}.sqlite`), {
            feed: mode !== "pages",
            webhooks: mode === "webhook",
            onEvent,
          });
          if (mode === "webhook") receiver = runtime;
          latency[mode] = await resumeLatency(sandbox, runtime, completed, `l-${mode}`, waiting, spreadMs);
          process.stderr.write(
            `scale-waiting: consent → resume (${mode}): p50 ${round(percentile(latency[mode] ?? [], 50))} ms, p95 ${round(percentile(latency[mode] ?? [], 95))} ms\n`,
          );
          await runtime.close();
        } finally {
          await sandbox.close();
        }
      }
    } finally {
      server.close();
    }
    const hook95 = percentile(latency.webhook ?? [], 95);
    for (const mode of ["feed", "pages"] as const) {
      const p95 = percentile(latency[mode] ?? [], 95);
      rows.push({
        name: `consent within ${Math.round(spreadMs / 1000)} s → resume by polling alone, ${mode} (p95, ${waiting} waiting)`,
        value: round(p95),
        unit: "ms",
        baseline: round(hook95),
        ratio: ratio(p95, hook95),
        target: "≤ 1,000 ms (before: 1,600 ms); baseline = webhook",
      });
    }
    return rows;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
};
