/**
 * What an embedder gets wrong is refused where it is made, as a DelegateError naming the fix:
 * options at `createAgentRuntime` (all of them at once), a bad message by `send` itself, and a
 * malformed webhook call with the 400 an HTTP route would answer.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DelegateError, isDelegateError } from "../../../src/errors.js";
import {
  type AgentRuntime,
  type AgentRuntimeOptions,
  createAgentRuntime,
} from "../../../src/runtime/agent-runtime.js";
import { DEFAULT_MAX_MESSAGE_CHARS } from "../../../src/runtime/runtime-inputs.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { collect, ofType, type SandboxRuntime, startSandboxRuntime } from "../../helpers/sandbox-runtime.js";

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  dir = await mkdtemp(join(tmpdir(), "delegate-input-"));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Options that work against the sandbox, with `overrides` on top. */
function options(overrides: Record<string, unknown>): AgentRuntimeOptions {
  return {
    model: new DemoChatModel({ timeZone: "Europe/Berlin" }),
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    webhookSecret: sandbox.webhookSecret,
    databaseUrl: ":memory:",
    ...overrides,
  } as AgentRuntimeOptions;
}

/** The CONFIG_INVALID error creating a runtime with these options throws (a runtime made is closed). */
async function refusal(overrides: Record<string, unknown>): Promise<DelegateError> {
  const outcome = await createAgentRuntime(options(overrides)).then(
    async (runtime: AgentRuntime) => {
      await runtime.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(isDelegateError(outcome, "CONFIG_INVALID"), `expected CONFIG_INVALID, got ${String(outcome)}`).toBe(
    true,
  );
  return outcome as DelegateError;
}

const problemsOf = async (overrides: Record<string, unknown>) =>
  (await refusal(overrides)).details.problems as string[];

/** Runs `call` and returns what it threw synchronously (undefined when it returned). */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
    return undefined;
  } catch (error) {
    return error;
  }
}

const thread = { userId: "ada", threadId: "t1" };

describe("createAgentRuntime refuses bad options up front", () => {
  it("an unknown time zone, naming the option and an IANA example (a valid one works)", async () => {
    const problems = await problemsOf({ timeZone: "Mars/Base" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^`timeZone`/);
    expect(problems[0]).toContain('"Mars/Base"');
    expect(problems[0]).toContain('"Europe/Paris"');
    for (const timeZone of ["", 42]) {
      expect((await problemsOf({ timeZone }))[0]).toMatch(/^`timeZone`/);
    }
    const runtime = await createAgentRuntime(options({ timeZone: "Europe/Paris" }));
    await runtime.close();
  });

  it("poll settings that are not positive finite numbers, a backoff below 1, or an initial above the max", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ budgetPerSecond: 0 }, /^`poll.budgetPerSecond` must be a positive number/],
      [{ budgetPerSecond: -2 }, /^`poll.budgetPerSecond`/],
      [{ budgetPerSecond: Number.POSITIVE_INFINITY }, /^`poll.budgetPerSecond`/],
      [{ maxIntervalMs: "x" }, /^`poll.maxIntervalMs` must be a positive number/],
      [{ initialIntervalMs: Number.NaN }, /^`poll.initialIntervalMs`/],
      [{ safetyNetIntervalMs: 0 }, /^`poll.safetyNetIntervalMs`/],
      [{ backoff: 0.5 }, /^`poll.backoff` must be a number of at least 1/],
      [
        { initialIntervalMs: 9_000 },
        /^`poll.initialIntervalMs` \(9000\) is above `poll.maxIntervalMs` \(5000/,
      ],
      [{ budgetPerSec: 5 }, /^`poll` has no setting "budgetPerSec"/],
    ];
    for (const [poll, problem] of cases) {
      expect(await problemsOf({ poll }), JSON.stringify(poll)).toEqual([expect.stringMatching(problem)]);
    }
    expect((await problemsOf({ poll: "fast" }))[0]).toMatch(/^`poll` must be an object/);
    // A fraction of a call a second is a budget (one call every two seconds).
    const runtime = await createAgentRuntime(options({ poll: { budgetPerSecond: 0.5 } }));
    await runtime.close();
  });

  it("a webhook secret the verifier can never accept, without echoing it", async () => {
    for (const webhookSecret of [
      "notwhsec-canary",
      "whsec_",
      "whsec_canary*not*base64",
      "whsec_ab_canary",
      "",
    ]) {
      const error = await refusal({ webhookSecret });
      expect(error.details.problems, webhookSecret).toEqual([
        expect.stringMatching(/^`webhookSecret` must be the signing secret Scalekit shows .*whsec_/),
      ]);
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain("canary");
    }
    expect((await problemsOf({ webhookSecret: 42 }))[0]).toMatch(/^`webhookSecret`/);
    // The sandbox's secret (whsec_ + base64, as Scalekit's) is accepted and verifies its webhooks.
    env = await startSandboxRuntime({}, {}, { webhooks: false });
    const { runtime } = env;
    const answers: number[] = [];
    const stop = env.sandbox.deliverWebhooks(async (input) => {
      const answer = await runtime.handleWebhook(input);
      answers.push(answer.status);
      return answer;
    });
    try {
      const events = await collect(env.runtime.send({ ...thread, text: "show my unread email" }), (event) =>
        event.type === "authorization-required"
          ? env?.sandbox.controls.approve({ userId: "ada" }, "gmail")
          : undefined,
      );
      expect(ofType(events, "turn-end")[0]?.status).toBe("completed");
      expect(answers).toContain(200);
    } finally {
      stop();
    }
  });

  it("a prompt template that does not exist, naming the option and the path", async () => {
    const path = join(dir, "missing-prompt.md");
    const error = await refusal({ promptPath: path });
    expect(error.details.problems).toEqual([expect.stringMatching(/^`promptPath`/)]);
    expect(error.message).toContain(path);
    expect((await problemsOf({ promptPath: dir }))[0]).toMatch(/^`promptPath` .* is not a file/);
  });

  it("reports every option problem at once, in one error", async () => {
    const problems = await problemsOf({ connectors: ["github"], approvals: "write=maybe" });
    expect(problems).toEqual([
      expect.stringMatching(/^`connectors` names unknown connector\(s\) github/),
      expect.stringMatching(/^`approvals` entry "write=maybe": the mode must be one of/),
    ]);
    const many = await problemsOf({
      connectors: ["github"],
      approvals: { write: "maybe", gmail_sendd: "allow" },
      timeZone: "Mars/Base",
      poll: { budgetPerSecond: 0 },
      webhookSecret: "nope",
      promptPath: join(dir, "nope.md"),
      maxMessageChars: 0,
    });
    expect(many.map((problem) => /^`?([\w.]+)/.exec(problem)?.[1])).toEqual([
      "connectors",
      "approvals.write",
      "approvals",
      "maxMessageChars",
      "timeZone",
      "poll.budgetPerSecond",
      "webhookSecret",
      "promptPath",
    ]);
  });
});

describe("send checks its input before it returns", () => {
  it("throws INVALID_INPUT for an empty or non-text message, and the thread is not created", async () => {
    env = await startSandboxRuntime();
    const runtime = env.runtime;
    for (const text of ["", "  \n", 42, undefined]) {
      const error = thrownBy(() => runtime.send({ ...thread, text } as never));
      expect(isDelegateError(error, "INVALID_INPUT"), `${JSON.stringify(text)}: ${String(error)}`).toBe(true);
    }
    await expect(runtime.getThread(thread)).rejects.toMatchObject({ code: "THREAD_NOT_FOUND" });
  });

  it("throws INVALID_INPUT for a message over `maxMessageChars` (default 65,536), naming the limit", async () => {
    expect(DEFAULT_MAX_MESSAGE_CHARS).toBe(65_536);
    env = await startSandboxRuntime();
    const runtime = env.runtime;
    const error = thrownBy(() =>
      runtime.send({ ...thread, text: "a".repeat(DEFAULT_MAX_MESSAGE_CHARS + 1) }),
    );
    expect(isDelegateError(error, "INVALID_INPUT"), String(error)).toBe(true);
    expect((error as Error).message).toContain("65536");
    expect((error as Error).message).toContain("maxMessageChars");
    await env.close();

    env = await startSandboxRuntime({ maxMessageChars: 40 });
    const limited = env.runtime;
    const over = thrownBy(() =>
      limited.send({ ...thread, text: "show my unread email, all of them please!" }),
    );
    expect(isDelegateError(over, "INVALID_INPUT"), String(over)).toBe(true);
    expect((over as Error).message).toMatch(/40 characters.*maxMessageChars/);
    // At the limit it is a message like any other.
    const events = await collect(
      limited.send({
        ...thread,
        text: "what is on my calendar today?".padEnd(40),
        waitForAuthorization: false,
      }),
    );
    expect(events.length).toBeGreaterThan(0);
    expect(ofType(events, "error")).toEqual([]);
    for (const maxMessageChars of [0, -1, 1.5, "100"]) {
      expect((await problemsOf({ maxMessageChars }))[0]).toMatch(/^`maxMessageChars` must be a whole number/);
    }
  });

  it("throws INVALID_INPUT, not a TypeError, for an input that is not an object", async () => {
    env = await startSandboxRuntime();
    const runtime = env.runtime;
    for (const input of [null, undefined, "hello", 42]) {
      const error = thrownBy(() => runtime.send(input as never));
      expect(isDelegateError(error, "INVALID_INPUT"), `${String(input)}: ${String(error)}`).toBe(true);
    }
  });
});

describe("handleWebhook answers a malformed call with 400", () => {
  it("headers that are not an object, a body that is not text, or no input at all", async () => {
    env = await startSandboxRuntime();
    const runtime = env.runtime;
    const inputs: unknown[] = [
      { headers: null, body: "{}" },
      { headers: {}, body: {} },
      { headers: "webhook-id: 1", body: "{}" },
      { headers: { "webhook-id": 42 }, body: "{}" },
      { body: "{}" },
      null,
      undefined,
    ];
    for (const input of inputs) {
      await expect(runtime.handleWebhook(input as never), JSON.stringify(input)).resolves.toEqual({
        status: 400,
        resumed: 0,
      });
    }
    // A well-formed call with a bad signature is still a 401.
    await expect(runtime.handleWebhook({ headers: {}, body: "{}" })).resolves.toEqual({
      status: 401,
      resumed: 0,
    });
  });
});
