/**
 * DELEGATE_TOOLS=catalog on LangGraph's server: the graph offers the model the tools Scalekit
 * hosts (not Delegate's own connector tools) and runs them with Scalekit's ExecuteTool behind the
 * same gate, exactly as `createAgentRuntime({ tools: "catalog" })` does. A real ChatOpenAI in the
 * server talks to a scripted OpenAI-compatible server started here, so the test picks the calls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai-server.js";
import { externalSandboxEnv } from "../helpers/sandbox-env.js";
import {
  client,
  collect,
  errorsOf,
  interruptsOf,
  messagesOf,
  type RunningServer,
  type StreamChunk,
  startLangGraphServer,
  text,
  userMessage,
} from "./langgraph-server-harness.js";

const TOKEN = "tok-carol-5d1e";

let sandbox: Sandbox;
let openai: FakeOpenAI;
let server: RunningServer | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  openai = await startFakeOpenAI();
  server = await startLangGraphServer({
    ...externalSandboxEnv(sandbox),
    DELEGATE_SERVER_TOKENS: `${TOKEN}=carol`,
    DELEGATE_TIMEZONE: "Europe/Berlin",
    // Plain links: user verification on the server is user-verification-server.test.ts's.
    DELEGATE_VERIFY: "off",
    DELEGATE_TOOLS: "catalog",
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: "sk-test",
  });
});

afterAll(async () => {
  await server?.stop();
  await openai?.close();
  await sandbox?.close();
});

describe("the LangGraph server with DELEGATE_TOOLS=catalog", () => {
  it("offers the model Scalekit's hosted tools and runs one through ExecuteTool after consent", async () => {
    const carol = client(server!.apiUrl, TOKEN);
    const thread = (await carol.threads.create()).thread_id;
    openai.enqueue(
      { toolCalls: [{ name: "gmail_fetch_mails", args: { query: "invoice", max_results: 5 } }] },
      { text: "Three invoices." },
    );

    const first = await collect(
      carol.runs.stream(thread, "delegate", {
        input: userMessage("any invoices in my mail?"),
        streamMode: ["updates"],
      }) as AsyncIterable<StreamChunk>,
    );
    expect(errorsOf(first)).toEqual([]);
    // The model was offered the hosted catalog, not Delegate's own Gmail tools.
    const offered = (openai.requests[0]?.tools ?? []).map((tool) => tool.function.name);
    expect(offered).toEqual(expect.arrayContaining(["gmail_fetch_mails", "slack_send_message"]));
    expect(offered).not.toContain("gmail_search_messages");
    // The hosted tool sits behind the same gate: carol must connect Gmail first, nothing ran.
    const [value] = interruptsOf(first);
    expect(value).toMatchObject({ type: "authorization_required", reason: "not_connected" });
    expect(value?.requests.map((request) => request.connection)).toEqual(["gmail"]);
    expect(sandbox.scalekit.calls.count("ExecuteTool")).toBe(0);

    const consent = await fetch(value!.requests[0]!.url, {
      method: "POST",
      body: new URLSearchParams({ decision: "allow" }),
    });
    expect(consent.status).toBe(200);
    const second = await collect(
      carol.runs.stream(thread, "delegate", {
        command: { resume: { action: "recheck" } },
        streamMode: ["updates"],
      }) as AsyncIterable<StreamChunk>,
    );
    expect(errorsOf(second)).toEqual([]);
    expect(interruptsOf(second)).toEqual([]);

    // Scalekit ran the tool for carol, on the seeded mailbox.
    expect(sandbox.scalekit.calls.count("ExecuteTool")).toBe(1);
    const messages = await messagesOf(carol, thread);
    const result = messages.find((message) => message.type === "tool");
    expect(result?.status).not.toBe("error");
    expect(text(result)).toContain("INV-21407");
    expect(text(messages.at(-1))).toBe("Three invoices.");
  });
});
