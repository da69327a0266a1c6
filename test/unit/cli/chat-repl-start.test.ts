/**
 * What the REPL checks before its banner. Against a Scalekit elsewhere, one status look-up comes
 * first, so an unreachable one ends the command before anything is printed. Against the embedded
 * sandbox, which cannot be unreachable, the banner comes first and the look-up warms the status
 * cache behind it (the Scalekit client then loads off the path to the first prompt).
 */
import { PassThrough } from "node:stream";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { ChatRepl } from "../../../src/cli/chat/chat-repl.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";
import { type Logger, noopLogger } from "../../../src/logger.js";
import { type SandboxRuntime, startSandboxRuntime, waitFor } from "../../helpers/sandbox-runtime.js";

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

function startRepl(
  runtime: SandboxRuntime["runtime"],
  scalekitInProcess: boolean,
  logger: Logger = noopLogger,
) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const repl = new ChatRepl({
    runtime,
    identity: { userId: "ines" },
    threadId: "t-start",
    input,
    output,
    style: terminalStyle({ input: {}, output: {} }, {}),
    modeLabel: "sandbox",
    scalekitInProcess,
    logger,
  });
  const run = repl.run();
  return { run, input, printed: () => printed };
}

describe("the REPL's start", () => {
  it("on the embedded sandbox: the banner does not wait for Scalekit, and the status look-up follows it", async () => {
    env = await startSandboxRuntime();
    const { calls } = env.sandbox.scalekit;
    // Every status look-up fails: had the REPL waited for one, there would be no banner.
    env.sandbox.scalekit.failNext("ListConnectedAccounts", 1_000, Code.Unavailable);
    const repl = startRepl(env.runtime, true);
    await waitFor(() => repl.printed().includes("Type a request"), 10_000, "the banner");
    expect(repl.printed()).toMatch(/^Delegate — /);
    await waitFor(() => calls.count("ListConnectedAccounts") > 0, 10_000, "the status look-up");
    repl.input.end();
    await expect(repl.run).resolves.toBe(0);
  });

  it("a session that ends while the status look-up is still out logs no failure for it", async () => {
    env = await startSandboxRuntime();
    const warnings: string[] = [];
    const logger: Logger = { ...noopLogger, warn: (_object, message) => warnings.push(message ?? "") };
    env.sandbox.scalekit.setLatency(60_000, "ListConnectedAccounts");
    const repl = startRepl(env.runtime, true, logger);
    await waitFor(
      () => env?.sandbox.scalekit.calls.count("ListConnectedAccounts") === 1,
      10_000,
      "the look-up",
    );
    // A second look-up in the same state: its failure on close says the REPL's has failed too.
    const second = env.runtime.listConnections({ userId: "ines" });
    repl.input.end();
    await expect(repl.run).resolves.toBe(0);
    const closing = env.close();
    env = undefined;
    await expect(second).rejects.toThrow();
    await closing;
    expect(warnings).toEqual([]);
  });

  it("against a Scalekit elsewhere: a failing status look-up ends the start before anything is printed", async () => {
    env = await startSandboxRuntime();
    env.sandbox.scalekit.failNext("ListConnectedAccounts", 1_000, Code.Unavailable);
    const repl = startRepl(env.runtime, false);
    await expect(repl.run).rejects.toMatchObject({ code: "SCALEKIT_UNAVAILABLE" });
    expect(repl.printed()).not.toContain("Delegate");
    expect(env.sandbox.scalekit.calls.count("ListConnectedAccounts")).toBeGreaterThan(0);
  });
});
