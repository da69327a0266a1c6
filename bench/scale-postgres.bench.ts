/**
 * Two processes on one PostgreSQL database with many threads waiting, webhook deliveries spread
 * over both: everyone consents at once, and every thread must resume exactly once. Baseline: the
 * same consents on one process with SQLite, in the same run. `--scale`: 2,000 threads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startSandbox } from "../src/sandbox/index.js";
import { postgresBin, startPostgres } from "../test/helpers/postgres.js";
import { type Replica, startReplica, startWebhookSplitter } from "../test/helpers/replicas.js";
import { pool } from "./helpers/sandbox-client.js";
import { type Bench, percentile, type Row, ratio, round } from "./report.js";

const TEXT = "email sam@example.com about lunch saying see you at noon";

interface Outcome {
  /** Seconds from the first consent until every thread has finished. */
  seconds: number;
  latencies: number[];
  duplicates: number;
  missing: number;
  sentTwice: number;
  resumedBy: Record<string, number>;
}

async function run(
  replicaCount: number,
  databaseUrl: string,
  threads: number,
  tag: string,
): Promise<Outcome> {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  const replicas: Replica[] = [];
  const splitter = await startWebhookSplitter(() => replicas.map((replica) => replica.webhookUrl));
  try {
    for (let i = 0; i < replicaCount; i++) {
      replicas.push(
        await startReplica({
          name: `r${i}`,
          scalekit: sandbox.settings,
          providerBaseUrl: sandbox.providers.url,
          webhookSecret: sandbox.webhookSecret,
          databaseUrl,
        }),
      );
    }
    sandbox.scalekit.addWebhookUrl(splitter.url);
    const user = (i: number) => `${tag}-${i}`;
    await pool(threads, 20, (i) => (replicas[i % replicas.length] as Replica).send(user(i), user(i), TEXT));
    const all = () => replicas.flatMap((replica) => replica.events);
    const consentAt = new Map<string, number>();
    const start = performance.now();
    await pool(threads, 20, async (i) => {
      consentAt.set(user(i), Date.now());
      await sandbox.controls.approve({ userId: user(i) }, "gmail");
    });
    const deadline = performance.now() + 10 * 60_000;
    while (
      all().filter((event) => event.type === "turn-end").length < threads &&
      performance.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - start) / 1000;
    await sandbox.scalekit.flushWebhooks();
    const outcome: Outcome = {
      seconds,
      latencies: [],
      duplicates: 0,
      missing: 0,
      sentTwice: 0,
      resumedBy: {},
    };
    for (let i = 0; i < threads; i++) {
      const events = all().filter((event) => event.threadId === user(i));
      const completed = events.filter((event) => event.type === "authorization-completed");
      const ended = events.filter((event) => event.type === "turn-end");
      if (completed.length === 0 || ended.length === 0) outcome.missing += 1;
      if (completed.length > 1 || ended.length > 1) outcome.duplicates += 1;
      const first = completed[0];
      if (first) {
        outcome.latencies.push(first.at - (consentAt.get(user(i)) ?? first.at));
        outcome.resumedBy[first.replica] = (outcome.resumedBy[first.replica] ?? 0) + 1;
      }
      const sent = sandbox.emulators.gmail
        .inspect(user(i))
        .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
      if (sent.length > 1) outcome.sentTwice += 1;
    }
    return outcome;
  } finally {
    for (const replica of replicas) await replica.close();
    await splitter.close();
    await sandbox.close();
  }
}

export const bench: Bench = async ({ scale }) => {
  if (!postgresBin()) {
    console.error("scale-postgres: skipped, PostgreSQL is not installed (.ci/run installs it)");
    return [];
  }
  const threads = scale ? 2_000 : 200;
  const folder = mkdtempSync(join(tmpdir(), "delegate-bench-pg-"));
  const postgres = await startPostgres();
  try {
    const two = await run(2, postgres.url, threads, "pg");
    const one = await run(1, join(folder, "one.sqlite"), threads, "sq");
    const label = threads.toLocaleString("en-US");
    const rows: Row[] = [
      {
        name: `${label} waiting on 2 processes (PostgreSQL): all consent → all resumed`,
        value: round(two.seconds, 1),
        unit: "s",
        baseline: round(one.seconds, 1),
        ratio: ratio(two.seconds, one.seconds),
        target: "baseline = 1 process on SQLite",
      },
      {
        name: `${label} on 2 processes: resumed twice / never / sent twice`,
        value: two.duplicates + two.missing + two.sentTwice,
        unit: "threads",
        target: `0 (twice ${two.duplicates}, never ${two.missing}, sent twice ${two.sentTwice})`,
      },
      {
        name: `${label} on 2 processes: consent → resume (p95)`,
        value: round(percentile(two.latencies, 95)),
        unit: "ms",
        baseline: round(percentile(one.latencies, 95)),
        ratio: ratio(percentile(two.latencies, 95), percentile(one.latencies, 95)),
        target: `resumed by ${Object.entries(two.resumedBy)
          .map(([name, count]) => `${name}: ${count}`)
          .join(", ")}`,
      },
    ];
    return rows;
  } finally {
    await postgres.close();
    rmSync(folder, { recursive: true, force: true });
  }
};
