/**
 * Delegate's own Scalekit credentials refused mid-conversation: an operator's problem. The turn
 * fails with that code (for the embedder to alert on), nothing is run or told to the model as a
 * tool's failure, and the conversation goes on once the credentials are right.
 */
import { afterEach, expect, it } from "vitest";
import { createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { collect, ofType } from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("a refused client secret fails the turn with SCALEKIT_CREDENTIALS_INVALID, not a tool result", async () => {
  const sandbox = await startSandbox({ timeZone: "UTC" });
  cleanups.push(() => sandbox.close());
  const databaseUrl = ":memory:";
  const open = (clientSecret: string) =>
    createAgentRuntime({
      model: new DemoChatModel({ timeZone: "UTC" }),
      scalekit: { ...sandbox.settings, clientSecret },
      providerBaseUrls: sandbox.providerBaseUrls,
      databaseUrl,
      timeZone: "UTC",
    });
  const runtime = await open("not-the-secret");
  cleanups.push(() => runtime.close());
  await sandbox.controls.approve({ userId: "ola" }, "slack");
  const events: RuntimeEvent[] = await collect(
    runtime.send({ userId: "ola", threadId: "t", text: "list my Slack channels" }),
  );
  const [error] = ofType(events, "error");
  expect(error?.code).toBe("SCALEKIT_CREDENTIALS_INVALID");
  expect(events.at(-1)).toMatchObject({ type: "turn-end", status: "failed" });
  expect(ofType(events, "tool-result")).toEqual([]);
  expect(JSON.stringify(events)).not.toContain("not-the-secret");
  // The person's message is kept, and nothing else: the next turn starts clean.
  const thread = await runtime.getThread({ userId: "ola", threadId: "t" });
  expect(thread.messages.map((message) => message.role)).toEqual(["user"]);
});
