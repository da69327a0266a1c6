import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createChatModel } from "../../../src/agent/model.js";
import { isDelegateError } from "../../../src/errors.js";
import type { AgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import {
  type FakeOpenAI,
  type ParsedRequestBody,
  startFakeOpenAI,
} from "../../helpers/fake-openai-server.js";
import { collect, runtimeOn, waitFor } from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A model that emails Sam once per user message, then confirms. Identifies the user from the text. */
function emailingModel(openai: FakeOpenAI) {
  openai.setResponder((body: ParsedRequestBody) => {
    const last = body.messages.at(-1);
    if (last?.role === "tool") return { text: "Sent." };
    const who = String(last?.content ?? "").match(/for (\S+)/)?.[1] ?? "unknown";
    return {
      toolCalls: [
        {
          name: "gmail_send_message",
          args: { to: ["sam@example.com"], subject: `Lunch ${who}`, body: "See you at noon" },
        },
      ],
    };
  });
}

const requestsFor = (openai: FakeOpenAI, user: string) =>
  openai.requests.filter((request) =>
    request.messages.some(
      (m) => m.role === "user" && String(m.content) === `email sam@example.com for ${user}`,
    ),
  );
const sentCount = (sandbox: Sandbox, user: string) =>
  sandbox.emulators.gmail
    .inspect(user)
    .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com")).length;

describe("durability and exactly-once resume", () => {
  it("resumes each thread exactly once when a webhook and a poll race, 100 times", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const openai = await startFakeOpenAI();
    cleanups.push(() => openai.close());
    emailingModel(openai);
    const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-race-")), "delegate.sqlite");
    const events: RuntimeEvent[] = [];
    const replica = async (poll: { initialIntervalMs: number; maxIntervalMs: number }) =>
      runtimeOn(sandbox, {
        webhookSecret: sandbox.webhookSecret,
        model: (await createChatModel({ baseUrl: openai.url, apiKey: "sk", model: "m", maxRetries: 0 }))
          .model,
        databaseUrl,
        poll: { ...poll, backoff: 1 },
        onEvent: (event) => events.push(event),
      });
    // Replica A answers webhooks and never polls; replica B polls every few milliseconds.
    const a = await replica({ initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 });
    cleanups.push(() => a.close());
    const b = await replica({ initialIntervalMs: 1, maxIntervalMs: 3 });
    cleanups.push(() => b.close());
    const server: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const result = await a.handleWebhook({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(result.status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    sandbox.scalekit.addWebhookUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);

    const raceOnce = async (i: number) => {
      const user = `racer-${i}`;
      const threadId = `t-race-${i}`;
      await collect(
        a.send({
          userId: user,
          threadId,
          text: `email sam@example.com for ${user}`,
          waitForAuthorization: false,
        }),
      );
      await sandbox.controls.approve({ userId: user }, "gmail");
      await waitFor(
        () => events.some((event) => event.threadId === threadId && event.type === "turn-end"),
        15_000,
        `${threadId} to finish`,
      );
    };
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => raceOnce(batch * 10 + j)));
    }
    await sandbox.scalekit.flushWebhooks();
    const vias = { poll: 0, webhook: 0 };
    for (let i = 0; i < 100; i++) {
      const user = `racer-${i}`;
      const threadId = `t-race-${i}`;
      const completed = events.filter(
        (event) => event.threadId === threadId && event.type === "authorization-completed",
      );
      expect(completed, threadId).toHaveLength(1);
      const via = (completed[0] as Extract<RuntimeEvent, { type: "authorization-completed" }>).via;
      if (via === "poll" || via === "webhook") vias[via]++;
      expect(
        events.filter((event) => event.threadId === threadId && event.type === "turn-end"),
        threadId,
      ).toHaveLength(1);
      expect(sentCount(sandbox, user), user).toBe(1);
      expect(requestsFor(openai, user), user).toHaveLength(2);
    }
    console.log(`race winners: ${JSON.stringify(vias)}`);
    expect(vias.poll + vias.webhook).toBe(100);
    expect(await a.listWaitingThreads()).toEqual([]);
  }, 120_000);

  it("survives SIGKILL while waiting: another process resumes on activation without re-calling the model", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const openai = await startFakeOpenAI();
    cleanups.push(() => openai.close());
    emailingModel(openai);
    const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-restart-")), "delegate.sqlite");
    const base = {
      scalekit: sandbox.settings,
      providerBaseUrl: sandbox.providers.url,
      databaseUrl,
      openaiUrl: openai.url,
      userId: "kim",
      threadId: "t-restart",
    };
    const a = child({ ...base, mode: "start", text: "email sam@example.com for kim" });
    cleanups.push(() => a.process.kill("SIGKILL"));
    expect(await a.next((line) => line.event === "waiting")).toMatchObject({ connections: ["gmail"] });
    a.process.kill("SIGKILL");
    await new Promise((resolve) => a.process.once("exit", resolve));
    expect(openai.requests).toHaveLength(1);

    await sandbox.controls.approve({ userId: "kim" }, "gmail");
    const b = child({ ...base, mode: "resume" });
    cleanups.push(() => b.process.kill("SIGKILL"));
    await b.next((line) => line.event === "listening");
    const done = await b.next((line) => line.event === "done");
    expect(done).toMatchObject({ status: "completed", text: "Sent." });
    expect(sentCount(sandbox, "kim")).toBe(1);
    // Turn 1's model call is in the checkpoint: process B called the model once, for the answer.
    expect(openai.requests).toHaveLength(2);
    expect(openai.requests[1]?.messages.at(-1)?.role).toBe("tool");
  }, 60_000);

  it("picks up a thread whose resuming process died mid-claim", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-lease-")), "delegate.sqlite");
    const events: RuntimeEvent[] = [];
    const runtime = await runtimeOn(sandbox, {
      databaseUrl,
      poll: { initialIntervalMs: 20, maxIntervalMs: 50, backoff: 1.5 },
      onEvent: (event) => events.push(event),
    });
    cleanups.push(() => runtime.close());
    await collect(
      runtime.send({
        userId: "lea",
        threadId: "t-lease",
        text: "show my unread email",
        waitForAuthorization: false,
      }),
    );
    // Another process claimed the resume long ago and died without finishing it.
    const db = new Database(databaseUrl);
    db.prepare(
      "UPDATE delegate_waiting_threads SET state = 'resuming', claimed_by = 'dead', claimed_at = 0",
    ).run();
    db.close();
    await sandbox.controls.approve({ userId: "lea" }, "gmail");
    await waitFor(
      () => events.some((event) => event.type === "turn-end"),
      10_000,
      "the abandoned thread to finish",
    );
    expect(events.find((event) => event.type === "tool-result")).toMatchObject({ status: "success" });
    expect(await runtime.listWaitingThreads()).toEqual([]);
  }, 30_000);

  it("refuses a recheck or cancel while another replica resumes the thread with THREAD_RESUMING", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-resuming-")), "delegate.sqlite");
    const runtime = await runtimeOn(sandbox, {
      databaseUrl,
    });
    cleanups.push(() => runtime.close());
    const thread = { userId: "rue", threadId: "t-resuming" };
    await collect(runtime.send({ ...thread, text: "show my unread email", waitForAuthorization: false }));
    // A live replica holds a fresh claim on the resume.
    const db = new Database(databaseUrl);
    db.prepare(
      "UPDATE delegate_waiting_threads SET state = 'resuming', claimed_by = 'alive', claimed_at = ?",
    ).run(Date.now());
    db.close();
    for (const attempt of [() => runtime.resume(thread), () => runtime.cancel(thread)]) {
      const error = await collect(attempt()).catch((err: unknown) => err);
      expect(isDelegateError(error, "THREAD_RESUMING")).toBe(true);
    }
    // Neither touched the wait: it is still the other replica's to finish.
    expect((await runtime.getThread(thread)).pendingAuthorization?.connections).toEqual(["gmail"]);
  }, 30_000);

  it("ends a waiting stream on one replica when another replica finishes the turn", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-fanout-")), "delegate.sqlite");
    const replica = (initialIntervalMs: number) =>
      runtimeOn(sandbox, {
        databaseUrl,
        poll: { initialIntervalMs, maxIntervalMs: initialIntervalMs, backoff: 1 },
      });
    const a = await replica(3_600_000);
    cleanups.push(() => a.close());
    const b = await replica(20);
    cleanups.push(() => b.close());
    const stream = collect(
      a.send({ userId: "rex", threadId: "t-fanout", text: "show my unread email" }),
      async (event) => {
        if (event.type === "authorization-required")
          await sandbox.controls.approve({ userId: "rex" }, "gmail");
      },
    );
    const events = await stream;
    expect(events.at(-1)).toMatchObject({ type: "turn-end", status: "completed" });
    expect(String((events.at(-1) as { text?: string }).text)).toContain("unread");
  }, 30_000);

  it("serves 200 users at once and never hands one user's answer to another", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const events: RuntimeEvent[] = [];
    const runtime: AgentRuntime = await runtimeOn(sandbox, {
      databaseUrl: ":memory:",
      poll: { initialIntervalMs: 20, maxIntervalMs: 100, backoff: 1.5 },
      onEvent: (event) => events.push(event),
    });
    cleanups.push(() => runtime.close());
    const users = Array.from({ length: 200 }, (_, i) => ({
      userId: `crowd-${i}`,
      token: `zq${i}x${(i * 7919) % 1000}`,
    }));
    // Half are connected up front; the other half go through consent while the rest run.
    for (const user of users.slice(0, 100)) await sandbox.controls.approve({ userId: user.userId }, "gmail");
    const streams = await Promise.all(
      users.map((user) =>
        collect(
          runtime.send({
            userId: user.userId,
            threadId: `t-${user.userId}`,
            text: `search my email for ${user.token}`,
          }),
          async (event) => {
            if (event.type === "authorization-required")
              await sandbox.controls.approve({ userId: user.userId }, "gmail");
          },
        ),
      ),
    );
    users.forEach((user, i) => {
      const stream = streams[i] ?? [];
      expect(stream.at(-1)?.type, user.userId).toBe("turn-end");
      for (const event of stream) {
        expect(event.threadId).toBe(`t-${user.userId}`);
        const text = JSON.stringify(event);
        for (const other of users)
          if (other !== user)
            expect(text.includes(other.token), `${user.userId} saw ${other.token}`).toBe(false);
      }
      const call = stream.find((event) => event.type === "tool-call");
      expect(JSON.stringify(call)).toContain(user.token);
      expect((stream.find((event) => event.type === "turn-end") as { text?: string }).text).toContain(
        user.token,
      );
    });
    // At the provider, every search for a user's token carried that user's token grant.
    for (const user of users) {
      const searches = sandbox.providers.requests.filter((request) =>
        request.path.includes(`q=${user.token}`),
      );
      expect(searches.length, user.userId).toBeGreaterThan(0);
      expect(new Set(searches.map((request) => request.identifier))).toEqual(new Set([user.userId]));
    }
  }, 120_000);
});

function child(config: Record<string, unknown>) {
  const process_: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "test/fixtures/runtime-child.ts", JSON.stringify(config)],
    {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SCALEKIT_ENV_URL: "", OPENAI_API_KEY: "" },
    },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let stderr = "";
  process_.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  createInterface({ input: process_.stdout! }).on("line", (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  return {
    process: process_,
    next(match: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`child timed out; lines: ${JSON.stringify(lines)}; stderr: ${stderr.slice(-2000)}`),
            ),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
