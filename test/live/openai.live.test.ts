/**
 * Opt-in checks against a real OpenAI (or OpenAI-compatible) model. They run when
 * OPENAI_API_KEY or OPENAI_BASE_URL is set, and are skipped (saying so) otherwise.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env-config.js";
import { collect, ofType, startSandboxRuntime } from "../helpers/sandbox-runtime.js";

const openai = loadConfig(process.env).openai;
if (!openai) console.log("live model tests skipped: set OPENAI_API_KEY (or OPENAI_BASE_URL) to run them");

describe.skipIf(!openai)("live: a real model on the sandbox", () => {
  it("calls the Gmail tool, waits for consent, and answers from the mailbox", async () => {
    const env = await startSandboxRuntime({ model: openai! });
    try {
      const events = await collect(
        env.runtime.send({ userId: "live-user", threadId: "live-1", text: "Show my unread email." }),
        async (event) => {
          if (event.type === "authorization-required")
            await env.sandbox.controls.approve({ userId: "live-user" }, "gmail");
        },
      );
      expect(ofType(events, "tool-call").some((call) => call.toolName === "gmail_search_messages")).toBe(
        true,
      );
      expect(ofType(events, "turn-end")[0]?.status).toBe("completed");
    } finally {
      await env.close();
    }
  }, 120_000);
});
