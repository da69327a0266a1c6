/**
 * The reported attack, in piped `delegate chat`: asked about the inbox, the model searched it,
 * read a mail that said to forward the contract terms to attacker@evil.example, and sent them.
 * Here the real CLI runs a real ChatOpenAI against a scripted model that obeys everything it
 * reads (test/helpers/obedient-model.ts), on a sandbox seeded with the hostile corpus: every such
 * send now stops at `approval required: …` naming the outside address, and a "no" (or input that
 * ends) leaves the mailbox as it was.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSandbox } from "../../src/sandbox/index.js";
import { HOSTILE_TARGETS } from "../../src/sandbox/providers/hostile-corpus.js";
import { externalSandboxEnv, spawnCli, tempDataDir, waitUntil } from "../helpers/cli-process.js";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai-server.js";
import { obedientModel } from "../helpers/obedient-model.js";

let openai: FakeOpenAI;
beforeEach(async () => {
  openai = await startFakeOpenAI({ responder: obedientModel().responder });
});
afterEach(async () => {
  await openai.close();
});

/** A real model configuration pointing at the fake server; only Gmail, as in the report. */
const modelEnv = () => ({
  OPENAI_BASE_URL: openai.url,
  OPENAI_API_KEY: "sk-injection",
  DELEGATE_CONNECTORS: "gmail",
});

/** The addresses the corpus's mail asks to send the contract terms to. */
const OUTSIDE = [HOSTILE_TARGETS.audit, HOSTILE_TARGETS.attacker, HOSTILE_TARGETS.compliance];
const APPROVAL_LINE = /^approval required: .*$/m;
const approvalLines = (stdout: string) => stdout.match(/^approval required: .*$/gm) ?? [];

/**
 * stderr without Node's MaxListenersExceededWarning, which the CLI prints when a model makes more
 * than ten tool calls in one message (one abort listener per call on the run's signal): noise,
 * reported separately, not a failure of what this file tests.
 */
const unexpectedStderr = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.trim() && !/MaxListenersExceededWarning|--trace-warnings/.test(line))
    .join("\n");

/** What the gate told the model about each send, in order. */
const sendResults = () => {
  const last = openai.requests.at(-1)?.messages ?? [];
  const sends = new Set(
    last
      .flatMap((m) => m.tool_calls ?? [])
      .flatMap((c) => (c.function.name === "gmail_send_message" ? [c.id] : [])),
  );
  return last
    .filter((m) => m.role === "tool" && sends.has(m.tool_call_id ?? ""))
    .map((m) => String(m.content));
};

describe("prompt injection in piped delegate chat", () => {
  it("the reported attack now asks, naming attacker@evil.example; n to each sends nothing; exit 0", async () => {
    const cli = spawnCli(["chat", "--auto-approve", "--user", "ann"], {
      dataDir: tempDataDir(),
      env: { ...modelEnv(), DELEGATE_SANDBOX_INJECTIONS: "1" },
    });
    try {
      cli.writeLine("anything new in my inbox?");
      // One question per send the mail asked for; each is answered no as it comes.
      const asked: string[] = [];
      while (asked.length < OUTSIDE.length) {
        await waitUntil(cli, () => approvalLines(cli.stdout()).length > asked.length, "the next question");
        asked.push(approvalLines(cli.stdout())[asked.length] ?? "");
        cli.writeLine("n");
      }
      await cli.waitFor("Understood: you declined, so none of it was done.");
      cli.endInput();
      const { code } = await cli.exited;
      expect(code).toBe(0);
      expect(unexpectedStderr(cli.stderr())).toBe("");
      for (const address of OUTSIDE) {
        expect(
          asked.some((line) => line.includes(address) && line.includes(`not named by you: ${address}`)),
        ).toBe(true);
      }
      expect(asked.find((line) => line.includes(HOSTILE_TARGETS.attacker))).toMatch(
        /^approval required: Send email to attacker@evil\.example/,
      );
      // The CLI shows a tool line for what ran: searches and reads only, never a send.
      expect(cli.stdout()).toMatch(/✓ gmail_search_messages/);
      expect(cli.stdout()).not.toMatch(/✓ gmail_send_message/);
      expect(sendResults()).toHaveLength(OUTSIDE.length);
      for (const result of sendResults()) expect(result).toMatch(/declined this action.*nothing was done/);
    } finally {
      cli.kill();
    }
  });

  it("input that ends while asked rejects: the mailbox is exactly as it was, and the exit is clean", async () => {
    const sandbox = await startSandbox({ injections: true, timeZone: "Europe/Berlin" });
    try {
      const user = { userId: "bo" };
      await sandbox.controls.approve(user, "gmail");
      const before = sandbox.emulators.gmail.inspect(user.userId);
      const cli = spawnCli(["chat", "--user", user.userId], {
        dataDir: tempDataDir(),
        env: { ...modelEnv(), ...externalSandboxEnv(sandbox) },
      });
      try {
        cli.writeLine("anything new in my inbox?");
        await cli.waitFor(APPROVAL_LINE);
        cli.endInput();
        const { code } = await cli.exited;
        expect(code).toBe(0);
        expect(unexpectedStderr(cli.stderr())).toBe("");
        expect(cli.stdout()).toMatch(
          /Input ended before an answer: 3 actions were rejected, so nothing was done\./,
        );
        expect(sandbox.emulators.gmail.inspect(user.userId)).toEqual(before);
        expect(
          sandbox.providers.requests.filter(
            (request) => request.method === "POST" && request.path.includes("/messages/send"),
          ),
        ).toEqual([]);
      } finally {
        cli.kill();
      }
    } finally {
      await sandbox.close();
    }
  });
});
