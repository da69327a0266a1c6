import type { AgentRuntime, AgentRuntimeOptions } from "../../src/runtime/agent-runtime.js";
import { createAgentRuntime } from "../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/start-sandbox.js";

export interface SandboxRuntime {
  sandbox: Sandbox;
  runtime: AgentRuntime;
  events: RuntimeEvent[];
  close(): Promise<void>;
}

/** A sandbox plus a runtime wired to it, with fast polling, recording every event. */
export async function startSandboxRuntime(
  options: Partial<AgentRuntimeOptions> = {},
  sandboxOptions: SandboxOptions = {},
): Promise<SandboxRuntime> {
  const sandbox = await startSandbox({ timeZone: "Europe/Berlin", ...sandboxOptions });
  const events: RuntimeEvent[] = [];
  const runtime = await createAgentRuntime({
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    webhookSecret: sandbox.webhookSecret,
    databaseUrl: ":memory:",
    timeZone: "Europe/Berlin",
    poll: { initialIntervalMs: 20, maxIntervalMs: 100, backoff: 1.5 },
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return {
    sandbox,
    runtime,
    events,
    async close() {
      await runtime.close();
      await sandbox.close();
    },
  };
}

/** Collects a stream until it ends, optionally acting on each event. */
export async function collect(
  stream: AsyncIterable<RuntimeEvent>,
  onEvent?: (event: RuntimeEvent) => void | Promise<void>,
): Promise<RuntimeEvent[]> {
  const out: RuntimeEvent[] = [];
  for await (const event of stream) {
    out.push(event);
    await onEvent?.(event);
  }
  return out;
}

export function ofType<T extends RuntimeEvent["type"]>(events: RuntimeEvent[], type: T) {
  return events.filter((event): event is Extract<RuntimeEvent, { type: T }> => event.type === type);
}

/** Resolves once `predicate` holds, polling every 10 ms. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Submits a magic link's consent form, as a person clicking Allow (or Deny) would. */
export async function consent(url: string, decision: "allow" | "deny" = "allow"): Promise<Response> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `decision=${decision}`,
  });
  if (response.status !== 200) throw new Error(`consent answered ${response.status}`);
  return response;
}

/** A sandbox runtime whose model is the real ChatOpenAI against a local OpenAI-compatible server. */
export async function startOpenAIRuntime(
  openaiUrl: string,
  options: Partial<AgentRuntimeOptions> = {},
  sandboxOptions: SandboxOptions = {},
): Promise<SandboxRuntime> {
  const { createChatModel } = await import("../../src/agent/model.js");
  const { model } = createChatModel(
    { baseUrl: openaiUrl, apiKey: "sk-test", model: "test-model", maxRetries: 0 },
    { timeZone: "Europe/Berlin" },
  );
  return startSandboxRuntime({ model, ...options }, sandboxOptions);
}
