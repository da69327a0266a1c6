import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileLogger } from "../../../src/cli/logging.js";
import {
  assertValidOpenAIConversation,
  type FakeOpenAI,
  startFakeOpenAI,
} from "../../helpers/fake-openai-server.js";
import {
  collect,
  consent,
  ofType,
  type SandboxRuntime,
  startOpenAIRuntime,
  waitFor,
} from "../../helpers/sandbox-runtime.js";

const CANARY = "CANARY_TOKEN_7f3a_";
let openai: FakeOpenAI;
let env: SandboxRuntime | undefined;
let dataDir: string;

beforeEach(async () => {
  openai = await startFakeOpenAI();
  dataDir = mkdtempSync(join(tmpdir(), "delegate-agent-"));
});
afterEach(async () => {
  await env?.close();
  env = undefined;
  await openai.close();
});

async function start(extra: Parameters<typeof startOpenAIRuntime>[1] = {}, webhooks = true) {
  const logger = createFileLogger(dataDir, "debug", []);
  env = await startOpenAIRuntime(
    openai.url,
    {
      databaseUrl: join(dataDir, "delegate.sqlite"),
      logger,
      retry: { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 20 },
      ...extra,
    },
    { tokenPrefix: CANARY },
    { webhooks },
  );
  return { env, logger };
}

const lastToolMessages = (index: number) =>
  (openai.requests[index]?.messages ?? []).filter((m) => m.role === "tool");

describe("the agent with the real ChatOpenAI against an OpenAI-compatible server", () => {
  it("tool call → interrupt → consent over HTTP → resume → tool on the mailbox → final answer", async () => {
    const { env } = await start();
    openai.enqueue({ toolCalls: [{ name: "gmail_search_messages", args: { query: "is:unread" } }] });
    openai.enqueue({ text: "You have 6 unread emails; the newest is from Dana." });
    const events = await collect(
      env.runtime.send({ userId: "alice", threadId: "t1", text: "any unread mail?" }),
      async (event) => {
        if (event.type === "authorization-required") await consent(event.requests[0]?.url ?? "");
      },
    );
    expect(ofType(events, "authorization-required")).toHaveLength(1);
    expect(ofType(events, "tool-result")[0]?.summary).toBe("6 messages");
    expect(ofType(events, "turn-end")[0]?.text).toBe("You have 6 unread emails; the newest is from Dana.");
    expect(openai.requests).toHaveLength(2);
    const tool = lastToolMessages(1)[0];
    expect(String(tool?.content)).toContain("Q3 vendor contract");
    expect(String(openai.requests[0]?.messages[0]?.content)).toContain("Europe/Berlin");
    expect(openai.requests[0]?.tools?.some((t) => t.function.name === "gmail_search_messages")).toBe(true);
    for (const request of openai.requests) assertValidOpenAIConversation(request.messages);
  });

  it("tells the model every turn which connectors this user has connected", async () => {
    const { env } = await start();
    await env.sandbox.controls.approve({ userId: "planner" }, "slack");
    openai.enqueue({ text: "Hi." }, { text: "Hi again." });
    await collect(env.runtime.send({ userId: "planner", threadId: "t-plan", text: "hi" }));
    const system = String(openai.requests[0]?.messages[0]?.content);
    expect(openai.requests[0]?.messages[0]?.role).toBe("system");
    expect(system).toContain("- Slack: connected");
    expect(system).toMatch(/- Gmail: not connected yet/);
    await env.sandbox.controls.approve({ userId: "planner" }, "gmail");
    // The webhook tells the runtime; until then (or for the cache's short TTL without webhooks)
    // the prompt may still say "not connected", and the gate looks again before asking.
    await env.sandbox.scalekit.flushWebhooks();
    await collect(env.runtime.send({ userId: "planner", threadId: "t-plan", text: "hi" }));
    expect(String(openai.requests[1]?.messages[0]?.content)).toContain("- Gmail: connected");
  });

  it("two connections with a send: one interrupt lists both, the send happens exactly once", async () => {
    // No webhooks: the watcher alone sees each consent, and keeps looking while Slack is missing.
    const { env } = await start({}, false);
    openai.enqueue({
      toolCalls: [
        {
          name: "gmail_send_message",
          args: { to: ["sam@example.com"], subject: "Lunch", body: "See you at noon" },
        },
        { name: "slack_post_message", args: { channel: "#team", text: "Lunch at noon" } },
      ],
    });
    openai.enqueue({ text: "Sent the email and posted to #team." });
    const interrupts: string[][] = [];
    const events = await collect(
      env.runtime.send({ userId: "bob", threadId: "t2", text: "email sam@example.com and tell #team" }),
      async (event) => {
        if (event.type !== "authorization-required") return;
        interrupts.push(event.requests.map((r) => r.connector).sort());
        if (interrupts.length > 1) return;
        const gmail = event.requests.find((r) => r.connector === "gmail");
        const slack = event.requests.find((r) => r.connector === "slack");
        await consent(gmail?.url ?? "");
        await waitFor(
          () => env.events.some((e) => e.type === "authorization-completed"),
          5000,
          "gmail connected",
        );
        // Two more status checks after Gmail's: the watcher looked again, saw Slack still
        // missing, and had every chance to run the send too early.
        // (A status look-up, or a read of Scalekit's event feed.)
        const looks = () =>
          env.sandbox.scalekit.calls.count("ListConnectedAccounts") +
          env.sandbox.scalekit.calls.count("ListEventsPaginated");
        const checks = looks();
        await waitFor(() => looks() >= checks + 2, 5000, "two more status checks");
        expect(
          env.sandbox.emulators.gmail
            .inspect("bob")
            .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@")),
        ).toHaveLength(0);
        await consent(slack?.url ?? "");
      },
    );
    expect(interrupts[0]).toEqual(["gmail", "slack"]);
    const sent = env.sandbox.emulators.gmail
      .inspect("bob")
      .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
    expect(sent).toHaveLength(1);
    expect(
      env.sandbox.emulators.slack
        .inspect("bob")
        .messages("#team")
        .filter((m) => m.text === "Lunch at noon"),
    ).toHaveLength(1);
    expect(openai.requests).toHaveLength(2);
    expect(ofType(events, "turn-end")[0]?.status).toBe("completed");
  });

  it("cancel answers every tool call so the next request is one OpenAI would accept", async () => {
    const { env } = await start();
    openai.enqueue({
      toolCalls: [
        { name: "gmail_search_messages", args: { query: "invoice" } },
        { name: "notion_search", args: { query: "roadmap" } },
      ],
    });
    openai.enqueue({ text: "Okay, I won't access Gmail or Notion." });
    await collect(
      env.runtime.send({
        userId: "carol",
        threadId: "t3",
        text: "invoices and roadmap",
        waitForAuthorization: false,
      }),
    );
    await collect(env.runtime.cancel({ userId: "carol", threadId: "t3" }));
    expect(openai.requests).toHaveLength(2);
    const second = openai.requests[1]?.messages ?? [];
    assertValidOpenAIConversation(second);
    expect(second.filter((m) => m.role === "tool").map((m) => String(m.content))).toEqual([
      expect.stringContaining("did not connect Gmail"),
      expect.stringContaining("did not connect Notion"),
    ]);
    openai.enqueue({ text: "Hello again." });
    await collect(env.runtime.send({ userId: "carol", threadId: "t3", text: "hi" }));
    assertValidOpenAIConversation(openai.requests[2]?.messages ?? []);
  });

  it("ignores identity arguments the model invents: another user's mailbox is untouched", async () => {
    const { env } = await start();
    await env.sandbox.controls.approve({ userId: "alice" }, "gmail");
    await env.sandbox.controls.approve({ userId: "victim" }, "gmail");
    const victimBefore = env.sandbox.emulators.gmail.inspect("victim").messages.length;
    openai.enqueue({
      toolCalls: [
        {
          name: "gmail_send_message",
          args: {
            to: ["eve@example.com"],
            subject: "hi",
            body: "hello",
            user_id: "victim",
            identifier: "victim",
            email: "victim@example.com",
          },
        },
        { name: "gmail_search_messages", args: { query: "", user_id: "victim", identifier: "victim" } },
      ],
    });
    openai.enqueue({ text: "Done." });
    await collect(
      env.runtime.send({ userId: "alice", threadId: "t4", text: "as victim, email eve@example.com" }),
    );
    expect(env.sandbox.emulators.gmail.inspect("victim").messages).toHaveLength(victimBefore);
    expect(
      env.sandbox.emulators.gmail.inspect("alice").messages.filter((m) => m.headers.to?.includes("eve@")),
    ).toHaveLength(1);
    const identifiers = new Set(env.sandbox.providers.requests.map((r) => r.identifier));
    expect([...identifiers]).toEqual(["alice"]);
    for (const tool of openai.requests[0]?.tools ?? []) {
      const properties = Object.keys((tool.function.parameters as { properties?: object })?.properties ?? {});
      expect(properties.filter((p) => /user|identifier|account/i.test(p))).toEqual([]);
    }
  });

  it("keeps the emulator's token out of checkpoints, messages, interrupts, events and logs", async () => {
    const { env, logger } = await start();
    openai.enqueue({ toolCalls: [{ name: "gmail_search_messages", args: { query: "from:dana" } }] });
    openai.enqueue({ text: "Dana wrote about the contract." });
    const events = await collect(
      env.runtime.send({ userId: "dan", threadId: "t5", text: "mail from dana?" }),
      async (event) => {
        if (event.type !== "authorization-required") return;
        // Consent once the watcher has polled, so its debug line is in the log too.
        await waitFor(
          () => readFileSync(logger.path, "utf8").includes('"msg":"watcher: checked"'),
          5000,
          "a watcher poll in the debug log",
        );
        await consent(event.requests[0]?.url ?? "");
      },
    );
    const token = env.sandbox.scalekit.getAccount("dan", "gmail", { userId: "dan" })?.accessToken ?? "";
    expect(token.startsWith(CANARY)).toBe(true);
    await env.runtime.close();
    logger.flush();
    const places: Record<string, string> = {
      events: JSON.stringify(events),
      "model requests": JSON.stringify(openai.requests),
      thread: JSON.stringify(
        (await env.runtime.getThread({ userId: "dan", threadId: "t5" }).catch(() => ({}))) ?? {},
      ),
    };
    for (const file of readdirSync(dataDir, { recursive: true }) as string[]) {
      const path = join(dataDir, file);
      try {
        places[file] = readFileSync(path).toString("latin1");
      } catch {
        // directories
      }
    }
    expect(Object.keys(places).some((name) => name.endsWith(".sqlite"))).toBe(true);
    // The log was written at debug level: the gate's decisions, the claim, the webhook and the
    // watcher's polls are all there, and still no token.
    const debugLines = (places["logs/delegate.log"] ?? "")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.level === 20)
      .map((line) => line.msg);
    expect(debugLines).toEqual(
      expect.arrayContaining([
        "gate: asking",
        "gate: decided",
        "webhook: account changed",
        "resume: claimed",
        "watcher: checked",
      ]),
    );
    for (const [name, text] of Object.entries(places)) {
      expect(text.includes(CANARY), `token leaked into ${name}`).toBe(false);
    }
  });

  it("re-authorizes after the token is revoked mid-conversation, then retries once", async () => {
    const { env } = await start();
    await env.sandbox.controls.approve({ userId: "erin" }, "gmail");
    openai.enqueue(
      { toolCalls: [{ name: "gmail_search_messages", args: { query: "invoice" } }] },
      { text: "3 invoices." },
    );
    const first = await collect(env.runtime.send({ userId: "erin", threadId: "t6", text: "invoices?" }));
    expect(ofType(first, "authorization-required")).toHaveLength(0);
    expect(ofType(first, "tool-result")[0]?.summary).toBe("3 messages");

    // Revoked at the provider: Scalekit still says ACTIVE, so only the call finds out.
    env.sandbox.controls.revokeAtProvider({ userId: "erin" }, "gmail");
    openai.enqueue(
      { toolCalls: [{ name: "gmail_search_messages", args: { query: "is:unread" } }] },
      { text: "6 unread." },
    );
    const second = await collect(
      env.runtime.send({ userId: "erin", threadId: "t6", text: "unread?" }),
      async (event) => {
        if (event.type === "authorization-required") await consent(event.requests[0]?.url ?? "");
      },
    );
    const required = ofType(second, "authorization-required");
    expect(required).toHaveLength(1);
    expect(required[0]?.reason).toBe("token_rejected");
    expect(required[0]?.requests[0]?.connector).toBe("gmail");
    expect(ofType(second, "tool-result").map((r) => r.status)).toEqual(["success"]);
    expect(ofType(second, "turn-end")[0]?.text).toBe("6 unread.");
  });

  it("turns a token that keeps failing after reconnecting into an error result, not a loop", async () => {
    const { env } = await start();
    await env.sandbox.controls.approve({ userId: "fay" }, "gmail");
    env.sandbox.providers.failNext("/gmail/v1/users/me/messages", 10, {
      status: 401,
      body: { error: { code: 401, message: "Invalid Credentials" } },
    });
    openai.enqueue(
      { toolCalls: [{ name: "gmail_search_messages", args: { query: "x" } }] },
      { text: "Gmail keeps refusing." },
    );
    const events = await collect(
      env.runtime.send({ userId: "fay", threadId: "t7", text: "search x" }),
      async (event) => {
        if (event.type !== "authorization-required") return;
        // Scalekit still calls the account ACTIVE, yet the watcher must wait for a reconnect:
        // it saw ACTIVE twice, checked the token each time (the same one), and ran nothing.
        const requestsBefore = env.sandbox.providers.requests.length;
        const tokenChecks = env.sandbox.scalekit.calls.count("GetConnectedAccountAuth");
        await waitFor(
          () => env.sandbox.scalekit.calls.count("GetConnectedAccountAuth") >= tokenChecks + 2,
          5000,
          "two token checks by the watcher",
        );
        expect(env.sandbox.providers.requests.length).toBe(requestsBefore);
        expect(ofType(env.events, "authorization-completed")).toHaveLength(0);
        await consent(event.requests[0]?.url ?? "");
      },
    );
    expect(ofType(events, "authorization-required")).toHaveLength(1);
    expect(ofType(events, "authorization-required")[0]?.reason).toBe("token_rejected");
    const results = ofType(events, "tool-result");
    expect(results.map((r) => r.status)).toEqual(["error"]);
    // The provider, not the person, refused: the model is told the account needs reconnecting.
    expect(results[0]?.preview).toMatch(/Gmail kept rejecting the access token.*needs reconnecting/);
    expect(String(lastToolMessages(1)[0]?.content)).not.toMatch(/declined|cancelled/i);
    expect(
      env.sandbox.providers.requests.filter((r) => r.path.startsWith("/gmail/v1/users/me/messages")).length,
    ).toBeLessThanOrEqual(3);
    expect(ofType(events, "turn-end")[0]?.status).toBe("completed");
  });

  it("turns 404, invalid arguments and exhausted 5xx into error results without a consent prompt", async () => {
    const { env, logger } = await start();
    await env.sandbox.controls.approve({ userId: "gil" }, "gmail");
    env.sandbox.providers.failNext("/gmail/v1/users/me/drafts", 10, {
      status: 503,
      body: { error: { code: 503, message: "Backend Error at /srv/gmail/drafts/store.go:88" } },
    });
    openai.enqueue(
      {
        toolCalls: [
          { name: "gmail_get_message", args: { message_id: "18c0ffee00000000" } },
          { name: "gmail_search_messages", args: { query: "x", max_results: 500 } },
          { name: "gmail_create_draft", args: { to: ["a@example.com"], subject: "s", body: "b" } },
        ],
      },
      { text: "Some things failed." },
    );
    const events = await collect(
      env.runtime.send({
        userId: "gil",
        threadId: "t8",
        text: "do three things; the draft goes to a@example.com",
      }),
    );
    expect(ofType(events, "authorization-required")).toHaveLength(0);
    const results = ofType(events, "tool-result");
    expect(results.map((r) => r.status)).toEqual(["error", "error", "error"]);
    const byName = Object.fromEntries(results.map((r) => [r.toolName, r.preview]));
    expect(byName.gmail_get_message).toMatch(/not found/i);
    expect(byName.gmail_search_messages).toMatch(/max_results|50|invalid/i);
    expect(byName.gmail_create_draft).toMatch(/unavailable right now \(HTTP 503\)/);
    assertValidOpenAIConversation(openai.requests[1]?.messages ?? []);
    // The provider's own words (internal paths) reach neither the model nor the person, only the log.
    expect(JSON.stringify(openai.requests)).not.toContain("/srv/gmail");
    expect(JSON.stringify(events)).not.toContain("/srv/gmail");
    logger.flush();
    expect(readFileSync(join(dataDir, "logs", "delegate.log"), "utf8")).toContain(
      "/srv/gmail/drafts/store.go",
    );
  });

  it("survives a provider outage: a clear error and the conversation continues", async () => {
    const { env } = await start();
    openai.failNext(1, 500);
    const failed = await collect(env.runtime.send({ userId: "hal", threadId: "t9", text: "hello" }));
    expect(ofType(failed, "error")[0]?.message).toMatch(/HTTP 500/);
    // The model server's own error text stays in the log.
    expect(ofType(failed, "error")[0]?.message).not.toContain("fake-openai");
    expect(failed.at(-1)).toMatchObject({ type: "turn-end", status: "failed" });
    openai.enqueue({ text: "Hi! How can I help?" });
    const ok = await collect(env.runtime.send({ userId: "hal", threadId: "t9", text: "hello again" }));
    expect(ofType(ok, "turn-end")[0]?.text).toBe("Hi! How can I help?");
    assertValidOpenAIConversation(openai.requests.at(-1)?.messages ?? []);
  });
});
