import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../../src/logger.js";
import type { AgentRuntimeOptions } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { threadKey } from "../../../src/runtime/thread-store.js";
import {
  type FakeOpenAI,
  type ParsedRequestBody,
  startFakeOpenAI,
} from "../../helpers/fake-openai-server.js";
import {
  collect,
  ofType,
  type SandboxRuntime,
  startOpenAIRuntime,
  startSandboxRuntime,
  waitFor,
} from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sandboxRuntime(options: Partial<AgentRuntimeOptions> = {}): Promise<SandboxRuntime> {
  const env = await startSandboxRuntime(options);
  cleanups.push(() => env.close());
  return env;
}

const databaseFile = () => join(mkdtempSync(join(tmpdir(), "delegate-long-")), "delegate.sqlite");

/** Rows stored for one thread, read straight from the SQLite file. */
function stored(file: string, key: string): { checkpoints: number; writes: number } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE thread_id = ?`).get(key) as { n: number }).n;
    return { checkpoints: count("checkpoints"), writes: count("writes") };
  } finally {
    db.close();
  }
}

/** Lists the unread mail each turn and reports it, like a real model would. */
function listingModel(openai: FakeOpenAI) {
  openai.setResponder((body: ParsedRequestBody) => {
    if (body.messages.at(-1)?.role !== "tool") {
      return {
        text: "Let me check.",
        toolCalls: [{ name: "gmail_search_messages", args: { query: "is:unread", max_results: 10 } }],
      };
    }
    return { text: `You have 6 unread messages. ${"Details follow. ".repeat(20)}` };
  });
}

/** OpenAI refuses a tool message without its call, and a call without its result. */
function expectValidForOpenAI(body: ParsedRequestBody) {
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const message of body.messages) {
    for (const call of message.tool_calls ?? []) calls.add(call.id);
    if (message.role === "tool") {
      expect(calls.has(message.tool_call_id ?? ""), "a result has its call").toBe(true);
      answered.add(message.tool_call_id ?? "");
    }
  }
  expect([...calls].filter((id) => !answered.has(id))).toEqual([]);
}

const ALICE = { userId: "alice" };

describe("long conversations", () => {
  it("keeps one checkpoint per thread, the model's view within budget and the log small; getThread keeps everything", async () => {
    const openai = await startFakeOpenAI();
    cleanups.push(() => openai.close());
    listingModel(openai);
    const file = databaseFile();
    const env = await startOpenAIRuntime(openai.url, { databaseUrl: file, context: { maxTokens: 2_500 } });
    cleanups.push(() => env.close());
    await env.sandbox.controls.approve(ALICE, "gmail");
    const key = threadKey(ALICE, "days");
    const turns = 14;
    let largestLog = 0;
    for (let turn = 1; turn <= turns; turn++) {
      const before = openai.requests.length;
      const events = await collect(
        env.runtime.send({ ...ALICE, threadId: "days", text: `unread mail, turn ${turn}` }),
      );
      expect(ofType(events, "turn-end")[0]?.status).toBe("completed");
      // Pruned before the turn ended: the latest checkpoint, no leftover writes.
      expect(stored(file, key)).toEqual({ checkpoints: 1, writes: 0 });
      largestLog = Math.max(largestLog, statSync(`${file}-wal`).size);
      for (const body of openai.requests.slice(before)) {
        expectValidForOpenAI(body);
        const users = body.messages.filter((m) => m.role === "user").map((m) => String(m.content));
        expect(users.at(-1)).toBe(`unread mail, turn ${turn}`);
        // Every earlier request is still in the view: verbatim, or quoted in the digest.
        for (let earlier = 1; earlier < turn; earlier++) {
          expect(users.some((text) => text.includes(`unread mail, turn ${earlier}`))).toBe(true);
        }
        const conversation = body.messages.filter((m) => m.role !== "system");
        // About four characters a token; the budget counts content, the wire adds some framing.
        expect(JSON.stringify(conversation).length / 4).toBeLessThan(2_500 * 1.3);
      }
    }
    // The write-ahead log is checkpointed and cut back as it goes (without that: 4 MB and more).
    expect(largestLog).toBeLessThan(2.5 * 1024 * 1024);
    const last = openai.requests.at(-1) as ParsedRequestBody;
    expect(last.messages.some((m) => String(m.content).startsWith("Earlier in this conversation"))).toBe(
      true,
    );
    expect(last.messages.some((m) => String(m.content).includes("shortened to save context"))).toBe(true);
    // The stored history is whole: every request, every full result.
    const thread = await env.runtime.getThread({ ...ALICE, threadId: "days" });
    expect(thread.messages.filter((m) => m.role === "user")).toHaveLength(turns);
    const results = thread.messages.filter((m) => m.role === "tool");
    expect(results).toHaveLength(turns);
    for (const result of results) expect(result.text).toContain('"messages"');
  });

  it("keeps every checkpoint with checkpointHistory: all", async () => {
    const file = databaseFile();
    const env = await sandboxRuntime({ databaseUrl: file, checkpointHistory: "all" });
    await env.sandbox.controls.approve(ALICE, "gmail");
    for (let turn = 0; turn < 2; turn++) {
      await collect(env.runtime.send({ ...ALICE, threadId: "all", text: "show my unread email" }));
    }
    expect(stored(file, threadKey(ALICE, "all")).checkpoints).toBeGreaterThan(4);
  });

  it("a waiting thread keeps its interrupt through pruning and a restart, and resumes exactly once", async () => {
    const file = databaseFile();
    const first = await startSandboxRuntime(
      { databaseUrl: file, poll: { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 } },
      {},
      { webhooks: false },
    );
    const events = await collect(
      first.runtime.send({
        ...ALICE,
        threadId: "lunch",
        text: "email sam@example.com about lunch saying see you at noon",
        waitForAuthorization: false,
      }),
    );
    expect(ofType(events, "authorization-required")).toHaveLength(1);
    const key = threadKey(ALICE, "lunch");
    // The interrupt's checkpoint and its pending writes (the interrupt itself) are what is left.
    expect(stored(file, key)).toEqual({ checkpoints: 1, writes: expect.any(Number) });
    expect(stored(file, key).writes).toBeGreaterThan(0);
    await first.runtime.close();
    await first.sandbox.controls.approve(ALICE, "gmail");
    const resumed: RuntimeEvent[] = [];
    const { createAgentRuntime } = await import("../../../src/runtime/agent-runtime.js");
    const { DemoChatModel } = await import("../../../src/sandbox/index.js");
    const second = await createAgentRuntime({
      model: new DemoChatModel({ timeZone: "Europe/Berlin" }),
      scalekit: first.sandbox.settings,
      providerBaseUrls: first.sandbox.providerBaseUrls,
      databaseUrl: file,
      timeZone: "Europe/Berlin",
      poll: { initialIntervalMs: 10, maxIntervalMs: 50 },
      onEvent: (event) => resumed.push(event),
    });
    cleanups.push(() => first.sandbox.close());
    cleanups.push(() => second.close());
    await waitFor(() => resumed.some((e) => e.type === "turn-end"), 20_000, "the resumed turn");
    const sent = first.sandbox.emulators.gmail
      .inspect("alice")
      .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
    expect(sent).toHaveLength(1);
    expect(ofType(resumed, "tool-result").map((e) => e.status)).toEqual(["success"]);
    const thread = await second.getThread({ ...ALICE, threadId: "lunch" });
    expect(thread.pendingAuthorization).toBeUndefined();
    expect(thread.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(stored(file, key)).toEqual({ checkpoints: 1, writes: 0 });
  });

  it("the offline demo model keeps answering under a small budget", async () => {
    const env = await sandboxRuntime({ context: { maxTokens: 600 } });
    await env.sandbox.controls.approve(ALICE, "gmail");
    for (let turn = 0; turn < 8; turn++) {
      const events = await collect(
        env.runtime.send({ ...ALICE, threadId: "demo", text: "show my unread email" }),
      );
      expect(ofType(events, "turn-end")[0]?.text).toContain("Dana Whitfield");
    }
    const thread = await env.runtime.getThread({ ...ALICE, threadId: "demo" });
    expect(thread.messages.filter((m) => m.role === "user")).toHaveLength(8);
  });
});

describe("deleting threads", () => {
  const ACME_ALICE = { userId: "alice", organizationId: "acme" };
  const BOB = { userId: "bob" };

  it("deleteThread removes one thread whole and nobody else's", async () => {
    const file = databaseFile();
    const env = await sandboxRuntime({ databaseUrl: file });
    for (const who of [ALICE, ACME_ALICE, BOB]) {
      await env.sandbox.controls.approve(who, "gmail");
      await collect(env.runtime.send({ ...who, threadId: "inbox", text: "show my unread email" }));
    }
    expect(await env.runtime.deleteThread({ ...ALICE, threadId: "inbox" })).toBe(true);
    await expect(env.runtime.getThread({ ...ALICE, threadId: "inbox" })).rejects.toMatchObject({
      code: "THREAD_NOT_FOUND",
    });
    expect(stored(file, threadKey(ALICE, "inbox"))).toEqual({ checkpoints: 0, writes: 0 });
    // The same user id in another organization, and another user, keep theirs.
    for (const who of [ACME_ALICE, BOB]) {
      expect((await env.runtime.getThread({ ...who, threadId: "inbox" })).messages).toHaveLength(4);
      expect(stored(file, threadKey(who, "inbox")).checkpoints).toBe(1);
    }
    // Deleting again is fine; the id starts a new, empty thread.
    expect(await env.runtime.deleteThread({ ...ALICE, threadId: "inbox" })).toBe(false);
    await collect(env.runtime.send({ ...ALICE, threadId: "inbox", text: "show my unread email" }));
    expect((await env.runtime.getThread({ ...ALICE, threadId: "inbox" })).messages).toHaveLength(4);
    await expect(env.runtime.deleteThread({ ...ALICE, threadId: "bad id" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    // Also as (identity, threadId): acme's alice only.
    expect(await env.runtime.deleteThread(ACME_ALICE, "inbox")).toBe(true);
    expect(stored(file, threadKey(ACME_ALICE, "inbox")).checkpoints).toBe(0);
    expect((await env.runtime.getThread({ ...ALICE, threadId: "inbox" })).messages).toHaveLength(4);
  });

  it("a deleted thread's words are nowhere in the database's files", async () => {
    const file = databaseFile();
    const env = await sandboxRuntime({ databaseUrl: file });
    const marker = "ZEBRA-MARKER-4242";
    await collect(env.runtime.send({ ...ALICE, threadId: "secret", text: `remember ${marker} for me` }));
    await collect(env.runtime.send({ ...BOB, threadId: "kept", text: "hello" }));
    const onDisk = () =>
      [file, `${file}-wal`].some((path) => existsSync(path) && readFileSync(path).includes(marker));
    expect(onDisk()).toBe(true);
    expect(await env.runtime.deleteThread({ ...ALICE, threadId: "secret" })).toBe(true);
    // Freed pages are overwritten and the write-ahead log is folded in: not merely unlinked rows.
    expect(onDisk()).toBe(false);
    expect((await env.runtime.getThread({ ...BOB, threadId: "kept" })).messages.length).toBeGreaterThan(0);
  });

  it("deleting a thread that waits for consent ends its stream and its wait", async () => {
    const file = databaseFile();
    const env = await sandboxRuntime({ databaseUrl: file });
    const events = await collect(
      env.runtime.send({ ...ALICE, threadId: "waiting", text: "show my unread email" }),
      async (event) => {
        if (event.type === "authorization-required") {
          expect(await env.runtime.deleteThread({ ...ALICE, threadId: "waiting" })).toBe(true);
        }
      },
    );
    expect(events.map((e) => e.type).slice(-2)).toEqual(["error", "turn-end"]);
    expect(ofType(events, "error")[0]?.code).toBe("THREAD_NOT_FOUND");
    expect(ofType(events, "turn-end")[0]?.status).toBe("failed");
    expect(await env.runtime.listWaitingThreads()).toEqual([]);
    expect(stored(file, threadKey(ALICE, "waiting")).checkpoints).toBe(0);
  });

  it("deleteUserData erases one user's threads and connections in one call", async () => {
    const file = databaseFile();
    const env = await sandboxRuntime({ databaseUrl: file });
    for (const who of [ALICE, ACME_ALICE, BOB]) await env.sandbox.controls.approve(who, "gmail");
    for (const threadId of ["one", "two"]) {
      await collect(env.runtime.send({ ...ALICE, threadId, text: "show my unread email" }));
    }
    await collect(env.runtime.send({ ...ACME_ALICE, threadId: "one", text: "show my unread email" }));
    await collect(env.runtime.send({ ...BOB, threadId: "one", text: "show my unread email" }));
    expect(await env.runtime.deleteUserData(ALICE, { disconnect: true })).toEqual({
      threads: 2,
      disconnected: ["gmail"],
    });
    for (const threadId of ["one", "two"]) {
      await expect(env.runtime.getThread({ ...ALICE, threadId })).rejects.toMatchObject({
        code: "THREAD_NOT_FOUND",
      });
      expect(stored(file, threadKey(ALICE, threadId)).checkpoints).toBe(0);
    }
    expect(env.sandbox.controls.status(ALICE, "gmail")).not.toBe("ACTIVE");
    // acme's alice and bob are untouched: threads and connections.
    for (const who of [ACME_ALICE, BOB]) {
      expect((await env.runtime.getThread({ ...who, threadId: "one" })).messages).toHaveLength(4);
      expect(env.sandbox.controls.status(who, "gmail")).toBe("ACTIVE");
    }
    expect(await env.runtime.deleteUserData(ALICE)).toEqual({ threads: 0, disconnected: [] });
  });

  it("deleteUserData leaves nothing of the user in memory: the next turn fetches a token afresh", async () => {
    const env = await sandboxRuntime();
    await env.sandbox.controls.approve(ALICE, "gmail");
    const tokens = () => env.sandbox.scalekit.calls.count("GetConnectedAccountAuth");
    await collect(env.runtime.send({ ...ALICE, threadId: "one", text: "show my unread email" }));
    const afterFirst = tokens();
    // The token is cached: a second turn fetches none.
    await collect(env.runtime.send({ ...ALICE, threadId: "one", text: "show my unread email" }));
    expect(tokens()).toBe(afterFirst);
    await env.runtime.deleteUserData(ALICE);
    await collect(env.runtime.send({ ...ALICE, threadId: "one", text: "show my unread email" }));
    expect(tokens()).toBeGreaterThan(afterFirst);
  });

  it("retention deletes threads idle longer than the configured days", async () => {
    const file = databaseFile();
    const first = await sandboxRuntime({ databaseUrl: file });
    await first.sandbox.controls.approve(ALICE, "gmail");
    for (const threadId of ["old", "fresh"]) {
      await collect(first.runtime.send({ ...ALICE, threadId, text: "show my unread email" }));
    }
    await first.runtime.close();
    // Forty days without a message on "old".
    const db = new Database(file);
    db.prepare("UPDATE delegate_user_threads SET updated_at = ? WHERE thread_key = ?").run(
      Date.now() - 40 * 86_400_000,
      threadKey(ALICE, "old"),
    );
    db.close();
    const swept: Record<string, unknown>[] = [];
    const logger: Logger = {
      error() {},
      warn() {},
      debug() {},
      info(object, message) {
        if (message?.startsWith("retention")) swept.push(object);
      },
    };
    const second = await sandboxRuntime({
      databaseUrl: file,
      retention: { days: 30, sweepIntervalMs: 20 },
      logger,
    });
    await waitFor(() => swept.length > 0, 10_000, "a retention sweep");
    expect(swept[0]).toEqual({ deleted: 1, days: 30 });
    await expect(second.runtime.getThread({ ...ALICE, threadId: "old" })).rejects.toMatchObject({
      code: "THREAD_NOT_FOUND",
    });
    expect(stored(file, threadKey(ALICE, "old")).checkpoints).toBe(0);
    expect((await second.runtime.getThread({ ...ALICE, threadId: "fresh" })).messages).toHaveLength(4);
  });

  it("refuses invalid history options, naming each", async () => {
    const { createAgentRuntime } = await import("../../../src/runtime/agent-runtime.js");
    const { DemoChatModel } = await import("../../../src/sandbox/index.js");
    await expect(
      createAgentRuntime({
        model: new DemoChatModel({ timeZone: "UTC" }),
        scalekit: { environmentUrl: "http://127.0.0.1:9", clientId: "id", clientSecret: "secret" },
        databaseUrl: ":memory:",
        retention: { days: 0 },
        context: { maxTokens: -5 },
        checkpointHistory: "some" as never,
      }),
    ).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      details: {
        problems: [
          '`checkpointHistory` must be "latest" (the default) or "all".',
          "`retention.days` must be a positive number of days (threads idle that long are deleted).",
          "`context.maxTokens` must be a positive whole number of tokens (or pass `context: false`).",
        ],
      },
    });
  });
});
