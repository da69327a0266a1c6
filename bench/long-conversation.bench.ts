/**
 * One thread kept going for many turns (issue 17): each turn lists the unread mail (the sandbox's
 * six messages) through the real ChatOpenAI against the fake OpenAI-compatible server, stored in
 * SQLite on disk. Measured twice in the same run: unbounded (every checkpoint kept, the model sees
 * the whole history: the behaviour before issue 17) and bounded (the defaults: the latest
 * checkpoint per thread, a 16k-token context budget).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { type BaseMessage, countTokensApproximately } from "langchain";
import { DEFAULT_CONTEXT_TOKENS, FitToBudget } from "../src/agent/context-budget.js";
import { createChatModel } from "../src/agent/model.js";
import { createAgentRuntime } from "../src/runtime/agent-runtime.js";
import { startSandbox } from "../src/sandbox/index.js";
import { type ParsedRequestBody, startFakeOpenAI } from "../test/helpers/fake-openai-server.js";
import { type Bench, percentile, type Row, ratio, round } from "./report.js";

const USER = { userId: "long-thread" };

interface Measured {
  /** Bytes of the database and its WAL after turn n. */
  disk: Map<number, number>;
  /** Bytes of the WAL alone after turn n (bounded by wal_autocheckpoint and journal_size_limit). */
  wal: Map<number, number>;
  /** Bytes of the largest model request of turn n. */
  request: Map<number, number>;
  /** Wall time of each turn, in milliseconds. */
  turnMs: number[];
}

/** A model that lists the unread mail each turn and then reports what it found, like a real one. */
function listingModel(body: ParsedRequestBody) {
  const last = body.messages.at(-1);
  if (last?.role !== "tool") {
    return {
      text: "Let me check your unread Gmail messages.",
      toolCalls: [{ name: "gmail_search_messages", args: { query: "is:unread", max_results: 10 } }],
    };
  }
  try {
    const result = JSON.parse(String(last.content)) as { messages?: { from?: string; subject?: unknown }[] };
    const lines = (result.messages ?? []).map((message) => `- ${message.from}: ${text(message.subject)}`);
    return { text: `You have ${lines.length} unread Gmail messages:\n${lines.join("\n")}` };
  } catch {
    return { text: "Here is what I found." };
  }
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") return Object.values(value).map(String).join(" ");
  return "";
}

/** One thread on its own sandbox, model server and SQLite file, driven a turn at a time. */
async function openConversation(bounded: boolean) {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  const openai = await startFakeOpenAI({ responder: listingModel });
  const folder = mkdtempSync(join(tmpdir(), "delegate-long-"));
  const databaseUrl = join(folder, "delegate.sqlite");
  const runtime = await createAgentRuntime({
    model: (await createChatModel({ baseUrl: openai.url, apiKey: "sk-bench", model: "bench", maxRetries: 0 }))
      .model,
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    databaseUrl,
    timeZone: "UTC",
    ...(bounded ? {} : { checkpointHistory: "all" as const, context: false as const }),
  });
  await sandbox.controls.approve(USER, "gmail");
  const measured: Measured = { disk: new Map(), wal: new Map(), request: new Map(), turnMs: [] };
  return {
    measured,
    async turn(turn: number, sample: boolean): Promise<void> {
      const before = openai.requests.length;
      const started = performance.now();
      for await (const event of runtime.send({
        ...USER,
        threadId: "days-long",
        text: "show my unread email",
      })) {
        if (event.type === "error") throw new Error(`turn ${turn} failed: ${event.message}`);
      }
      measured.turnMs.push(performance.now() - started);
      if (!sample) return;
      const sizes = openai.requests.slice(before).map((body) => Buffer.byteLength(JSON.stringify(body)));
      measured.request.set(turn, Math.max(...sizes));
      measured.wal.set(turn, fileSize(`${databaseUrl}-wal`));
      measured.disk.set(turn, fileSize(databaseUrl) + (measured.wal.get(turn) ?? 0));
    },
    /** The thread's whole stored history, as the context budget receives it before a model call. */
    async history(): Promise<BaseMessage[]> {
      const saver = SqliteSaver.fromConnString(databaseUrl);
      for await (const tuple of saver.list({}, { limit: 1 })) {
        return (tuple.checkpoint.channel_values as { messages?: BaseMessage[] }).messages ?? [];
      }
      return [];
    },
    async close(): Promise<void> {
      await runtime.close();
      await openai.close();
      await sandbox.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => round(bytes / MB, 2);
const kb = (bytes: number) => round(bytes / 1024, 1);

/** Median time of the context budget's edit over a history, as the middleware runs it per model call. */
async function budgetEditMs(history: readonly BaseMessage[]): Promise<number> {
  const edit = new FitToBudget(DEFAULT_CONTEXT_TOKENS, countTokensApproximately);
  const samples: number[] = [];
  for (let i = 0; i < 21; i++) {
    const messages = [...history];
    const started = performance.now();
    await edit.apply({ messages });
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

export const bench: Bench = async () => {
  const turns = 200;
  const sampleAt = [10, 20, 50, 60, 190, 200];
  const edits = new Map<number, number>();
  // Warm up (JIT, sockets) so neither measured run pays for it.
  const warmUp = await openConversation(true);
  for (let turn = 1; turn <= 3; turn++) await warmUp.turn(turn, false);
  await warmUp.close();
  // Both threads advance turn by turn, so both meet the same load on a shared machine. The
  // unbounded one stops at 60 turns: at 200 it would write most of a gigabyte.
  const unbounded = await openConversation(false);
  const bounded = await openConversation(true);
  try {
    for (let turn = 1; turn <= turns; turn++) {
      if (turn <= 60) await unbounded.turn(turn, sampleAt.includes(turn));
      await bounded.turn(turn, sampleAt.includes(turn));
      if (turn === 60 || turn === 200) edits.set(turn, await budgetEditMs(await bounded.history()));
    }
  } finally {
    await unbounded.close();
    await bounded.close();
  }
  const before = unbounded.measured;
  const after = bounded.measured;
  const at = (run: Measured, kind: "disk" | "wal" | "request", turn: number) => run[kind].get(turn) ?? 0;
  const growth = (run: Measured, from: number, to: number) =>
    (at(run, "disk", to) - at(run, "disk", from)) / (to - from);
  const rows: Row[] = [];
  for (const turn of [10, 60]) {
    rows.push({
      name: `disk after ${turn} turns`,
      value: mb(at(after, "disk", turn)),
      unit: "MB",
      baseline: mb(at(before, "disk", turn)),
      ratio: ratio(at(after, "disk", turn), at(before, "disk", turn)),
      target: turn === 60 ? "≤ 8 MB at 60 turns" : "baseline = every checkpoint kept",
    });
  }
  rows.push({
    name: "of which the SQLite WAL, after 60 turns",
    value: mb(at(after, "wal", 60)),
    unit: "MB",
    baseline: mb(at(before, "wal", 60)),
    target: "bounded: a checkpoint every 256 pages, the log cut back to 1 MB after each",
  });
  for (const [from, to] of [
    [10, 20],
    [50, 60],
  ] as const) {
    rows.push({
      name: `disk growth per turn, turns ${from}–${to}`,
      value: kb(growth(after, from, to)),
      unit: "KB/turn",
      baseline: kb(growth(before, from, to)),
      ratio: ratio(growth(after, from, to), growth(before, from, to)),
      target: "turns 50–60 ≤ 2× turns 10–20",
    });
  }
  rows.push({
    name: "growth turns 50–60 ÷ turns 10–20",
    value: ratio(growth(after, 50, 60), growth(after, 10, 20)),
    unit: "×",
    baseline: ratio(growth(before, 50, 60), growth(before, 10, 20)),
    target: "≤ 2×",
  });
  for (const turn of [10, 60]) {
    rows.push({
      name: `model request at turn ${turn}`,
      value: kb(at(after, "request", turn)),
      unit: "KB",
      baseline: kb(at(before, "request", turn)),
      ratio: ratio(at(after, "request", turn), at(before, "request", turn)),
      target: turn === 60 ? "≤ 2× the request at turn 10" : "baseline = the whole history",
    });
  }
  rows.push({
    name: "request turn 60 ÷ turn 10",
    value: ratio(at(after, "request", 60), at(after, "request", 10)),
    unit: "×",
    baseline: ratio(at(before, "request", 60), at(before, "request", 10)),
    target: "≤ 2×",
  });
  for (const [from, to] of [
    [1, 10],
    [51, 60],
  ] as const) {
    // Medians: the machine is shared, and one slow turn should not decide the ratio.
    const bounded = percentile(after.turnMs.slice(from - 1, to), 50);
    const unbounded = percentile(before.turnMs.slice(from - 1, to), 50);
    rows.push({
      name: `turn time (p50) with pruning + context budget, turns ${from}–${to}`,
      value: round(bounded),
      unit: "ms/turn",
      baseline: round(unbounded),
      ratio: ratio(bounded, unbounded),
      target: "overhead: ratio against the same run without them",
    });
  }
  for (const turn of [60, 200]) {
    const perTurn = percentile(after.turnMs.slice(turn - 10, turn), 50);
    rows.push({
      name: `context budget's edit per model call, ${turn}-turn history (p50)`,
      value: round(edits.get(turn) ?? 0, 3),
      unit: "ms",
      baseline: round(perTurn),
      ratio: ratio(edits.get(turn) ?? 0, perTurn),
      target: `baseline = a whole turn (p50, turns ${turn - 9}–${turn}); a turn makes 2 model calls`,
    });
  }
  rows.push(
    {
      name: "disk after 200 turns",
      value: mb(at(after, "disk", 200)),
      unit: "MB",
      target: "linear growth",
    },
    {
      name: "disk growth per turn, turns 190–200",
      value: kb(growth(after, 190, 200)),
      unit: "KB/turn",
      baseline: kb(growth(after, 10, 20)),
      ratio: ratio(growth(after, 190, 200), growth(after, 10, 20)),
      target: "baseline = turns 10–20 of the same run",
    },
    {
      name: "model request at turn 200",
      value: kb(at(after, "request", 200)),
      unit: "KB",
      baseline: kb(at(after, "request", 10)),
      ratio: ratio(at(after, "request", 200), at(after, "request", 10)),
      target: "≤ 2× the request at turn 10",
    },
  );
  return rows;
};
