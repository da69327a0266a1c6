import { decodeHTML } from "entities";
import type { AgentRuntime, AgentRuntimeOptions } from "../../src/runtime/agent-runtime.js";
import { createAgentRuntime } from "../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../src/runtime/events.js";
import { DemoChatModel } from "../../src/sandbox/index.js";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { browse, CookieJar } from "./browser-binding.js";

export interface SandboxRuntime {
  sandbox: Sandbox;
  runtime: AgentRuntime;
  events: RuntimeEvent[];
  close(): Promise<void>;
}

/**
 * A sandbox plus a runtime wired to it (the offline demo model unless a model is given; the
 * emulator's signed webhooks delivered to the runtime, as the CLI wires them, unless
 * `webhooks: false`), with fast polling, recording every event.
 */
export async function startSandboxRuntime(
  options: Partial<AgentRuntimeOptions> = {},
  sandboxOptions: SandboxOptions = {},
  { webhooks = true }: { webhooks?: boolean } = {},
): Promise<SandboxRuntime> {
  const sandbox = await startSandbox({ timeZone: "Europe/Berlin", ...sandboxOptions });
  const events: RuntimeEvent[] = [];
  const runtime = await createAgentRuntime({
    model: new DemoChatModel({ timeZone: "Europe/Berlin" }),
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
  const stopWebhooks = webhooks ? sandbox.deliverWebhooks((input) => runtime.handleWebhook(input)) : () => {};
  return {
    sandbox,
    runtime,
    events,
    async close() {
      stopWebhooks();
      await runtime.close();
      await sandbox.close();
    },
  };
}

/**
 * A runtime on a sandbox the test started, so several (replicas, a restart) can share it and a
 * database: the offline demo model and UTC unless given. Webhooks, polling and the rest are the
 * caller's choice.
 */
export function runtimeOn(sandbox: Sandbox, options: Partial<AgentRuntimeOptions>): Promise<AgentRuntime> {
  return createAgentRuntime({
    model: new DemoChatModel({ timeZone: options.timeZone ?? "UTC" }),
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    timeZone: "UTC",
    ...options,
  });
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

/**
 * Answers a magic link's hosted page as a person in a browser would: loads the page, then posts
 * its form back from the page's own origin (`Origin` and `Sec-Fetch-Site: same-origin`, as a
 * browser sends them) with the page's hidden per-link `form_token`. The emulator refuses
 * cross-origin posts, so this is the documented way to consent from a test. Static-auth
 * connections (API key, bearer, basic) take their credentials in `fields`. Throws unless the
 * answer is 200 (a used, replaced or expired link, or a refused post).
 */
export async function consent(
  url: string,
  decision: "allow" | "deny" = "allow",
  fields: Readonly<Record<string, string>> = {},
): Promise<Response> {
  // A browser: a start URL's binding cookie goes along to the verify redirect.
  const jar = new CookieJar();
  const opened = await browse(jar, url);
  const page = opened.response;
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error("the page has no consent form");
  const body = new URLSearchParams();
  for (const [, name = "", value = ""] of (form[2] ?? "").matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
  )) {
    body.set(decodeHTML(name), decodeHTML(value));
  }
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  body.set("decision", decision);
  const { response } = await browse(jar, new URL(decodeHTML(form[1] ?? ""), opened.url), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: opened.url.origin,
      "sec-fetch-site": "same-origin",
    },
    body,
  });
  if (response.status !== 200) throw new Error(`consent answered ${response.status}`);
  return response;
}

/** A sandbox runtime whose model is the real ChatOpenAI against a local OpenAI-compatible server. */
export async function startOpenAIRuntime(
  openaiUrl: string,
  options: Partial<AgentRuntimeOptions> = {},
  sandboxOptions: SandboxOptions = {},
  helperOptions: { webhooks?: boolean } = {},
): Promise<SandboxRuntime> {
  const { createChatModel } = await import("../../src/agent/model.js");
  const { model } = await createChatModel({
    baseUrl: openaiUrl,
    apiKey: "sk-test",
    model: "test-model",
    maxRetries: 0,
  });
  return startSandboxRuntime({ model, ...options }, sandboxOptions, helperOptions);
}
