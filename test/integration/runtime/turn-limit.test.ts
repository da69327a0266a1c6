/**
 * A model that never stops calling tools: the run ends after `maxModelCalls` model calls with
 * TURN_LIMIT_REACHED and a message a person can act on, and the thread stays usable (the next
 * request reaches the model as a valid conversation).
 */
import { afterEach, describe, expect, it } from "vitest";
import { isDelegateError } from "../../../src/errors.js";
import { createAgentRuntime } from "../../../src/index.js";
import {
  assertValidOpenAIConversation,
  type FakeOpenAI,
  startFakeOpenAI,
} from "../../helpers/fake-openai-server.js";
import { collect, ofType, type SandboxRuntime, startOpenAIRuntime } from "../../helpers/sandbox-runtime.js";

let openai: FakeOpenAI | undefined;
let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  await openai?.close();
  env = undefined;
  openai = undefined;
});

describe("maxModelCalls", () => {
  it("a model that keeps searching stops after the limit, says so, and the thread goes on", async () => {
    openai = await startFakeOpenAI();
    let searches = 0;
    openai.setResponder((body) => {
      const users = body.messages.filter((message) => message.role === "user").length;
      if (users > 1 && body.messages.at(-1)?.role === "user") return { text: "Stopped, as you asked." };
      searches++;
      return { toolCalls: [{ name: "gmail_search_messages", args: { query: `from:sam ${searches}` } }] };
    });
    env = await startOpenAIRuntime(openai.url, { maxModelCalls: 3 });
    await env.sandbox.controls.approve({ userId: "ada" }, "gmail");

    const events = await collect(env.runtime.send({ userId: "ada", threadId: "t", text: "find everything" }));
    expect(openai.requests).toHaveLength(3);
    // Every call the model made ran: the limit falls between steps, never inside one.
    expect(ofType(events, "tool-result")).toHaveLength(3);
    const [error] = ofType(events, "error");
    expect(error).toMatchObject({ code: "TURN_LIMIT_REACHED" });
    expect(error?.message).toContain("after 3 model calls");
    expect(error?.message).not.toMatch(/recursion|GraphRecursionError|langchain\.com/i);
    expect(events.at(-1)).toMatchObject({ type: "turn-end", status: "failed" });

    const next = await collect(env.runtime.send({ userId: "ada", threadId: "t", text: "stop" }));
    expect(next.at(-1)).toMatchObject({
      type: "turn-end",
      status: "completed",
      text: "Stopped, as you asked.",
    });
    assertValidOpenAIConversation(openai.requests.at(-1)?.messages ?? []);
  });

  it("must be a whole number above 0", async () => {
    const model = { invoke: async () => undefined } as never;
    for (const maxModelCalls of [0, 2.5, -1]) {
      const refused = await createAgentRuntime({ model, maxModelCalls }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isDelegateError(refused, "CONFIG_INVALID")).toBe(true);
      expect((refused as Error).message).toContain("`maxModelCalls` must be a whole number above 0");
    }
  });
});
