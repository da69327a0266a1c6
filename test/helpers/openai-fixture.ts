import { afterEach, beforeEach } from "vitest";
import type { AgentRuntimeOptions } from "../../src/runtime/agent-runtime.js";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai-server.js";
import { type SandboxRuntime, startOpenAIRuntime } from "./sandbox-runtime.js";

/**
 * Per-test fake OpenAI server and a sandbox runtime whose real ChatOpenAI talks to it; both are
 * closed after each test.
 */
export function useOpenAIRuntime(
  defaults: Partial<AgentRuntimeOptions> = {},
  helperOptions: { webhooks?: boolean } = {},
) {
  let openai: FakeOpenAI | undefined;
  let env: SandboxRuntime | undefined;
  beforeEach(async () => {
    openai = await startFakeOpenAI();
  });
  afterEach(async () => {
    await env?.close();
    env = undefined;
    await openai?.close();
  });
  return {
    get openai(): FakeOpenAI {
      if (!openai) throw new Error("the fake OpenAI server starts in beforeEach");
      return openai;
    },
    async start(
      options: Partial<AgentRuntimeOptions> = {},
      startOptions: { webhooks?: boolean } = {},
    ): Promise<SandboxRuntime> {
      env = await startOpenAIRuntime(
        this.openai.url,
        { ...defaults, ...options },
        {},
        {
          ...helperOptions,
          ...startOptions,
        },
      );
      return env;
    },
  };
}
