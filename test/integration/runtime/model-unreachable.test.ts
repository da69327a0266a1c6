/**
 * A model server that cannot be reached: the person is told so in one line with what to check,
 * never the client library's text, and the thread stays usable.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import {
  collect,
  ofType,
  type SandboxRuntime,
  startOpenAIRuntime,
  startSandboxRuntime,
} from "../../helpers/sandbox-runtime.js";

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** A loopback URL nothing listens on (a port that was just free). */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

it("an unreachable model gives MODEL_UNAVAILABLE with the network code and what to check", async () => {
  env = await startOpenAIRuntime(await closedUrl());
  const events = await collect(env.runtime.send({ userId: "ana", threadId: "t", text: "hello" }));
  const [error] = ofType(events, "error");
  expect(error?.code).toBe("MODEL_UNAVAILABLE");
  expect(error?.message).toBe(
    "The model could not be reached (ECONNREFUSED). Your message is kept; check your network (and OPENAI_BASE_URL, if you set one) and try again.",
  );
  expect(events.at(-1)).toMatchObject({ type: "turn-end", status: "failed" });
  // The message is kept: the thread has it, and nothing else.
  const thread = await env.runtime.getThread({ userId: "ana", threadId: "t" });
  expect(thread.messages.map((message) => [message.role, message.text])).toEqual([["user", "hello"]]);
});

it("a model error that quotes the API key reaches the embedder's logger without it", async () => {
  const { startFakeOpenAI } = await import("../../helpers/fake-openai-server.js");
  // No `sk-` shape: only the runtime knowing its own options' secrets can cut it.
  const key = "canary-model-key-5d1e9c";
  const openai = await startFakeOpenAI();
  openai.setResponder(() => ({ error: { status: 401, message: `Incorrect API key provided: ${key}` } }));
  const lines: string[] = [];
  const record = (level: string) => (object: Record<string, unknown>, message?: string) =>
    void lines.push(`${level} ${message ?? ""} ${JSON.stringify(object)}`);
  try {
    env = await startSandboxRuntime({
      model: { baseUrl: openai.url, apiKey: key, model: "test-model" },
      logger: { error: record("error"), warn: record("warn"), info: record("info"), debug: record("debug") },
    });
    const events = await collect(env.runtime.send({ userId: "ana", threadId: "t", text: "hello" }));
    expect(events.at(-1)).toMatchObject({ type: "turn-end", status: "failed" });
    // The failure was logged, with what the server said, minus the key.
    expect(lines.some((line) => line.includes("Incorrect API key provided"))).toBe(true);
    expect(lines.filter((line) => line.includes(key))).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(key);
  } finally {
    await openai.close();
  }
});
