/**
 * `delegate chat` against a Scalekit it does not embed: a sandbox started by the test, in the test
 * process, which the CLI (a child process) reaches over the network as it would reach Scalekit.
 * The test sees what the CLI asked of Scalekit through the emulator's call log.
 */
import { describe, expect, it } from "vitest";
import { CONNECTOR_IDS } from "../../src/index.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import { externalSandboxEnv, MAGIC_LINK, spawnCli, tempDataDir, waitUntil } from "../helpers/cli-process.js";
import { consent } from "../helpers/sandbox-runtime.js";

const LINK_LINE = new RegExp(`^(${MAGIC_LINK.source})$`, "m");
const GMAIL_TOOL_LINE = /^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m;
const FIRST_UNREAD =
  gmailSeed(new Date()).find((mail) => mail.labels.includes("UNREAD") && mail.labels.includes("INBOX"))
    ?.subject ?? "unread";

/** A sandbox of the test's own, so its call log holds only what this test's CLI asked. */
async function withSandbox(run: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  try {
    await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** The watcher's looks: status look-ups, or reads of Scalekit's event feed (which cover every wait). */
const polls = (sandbox: Sandbox) =>
  sandbox.scalekit.calls.count("ListConnectedAccounts") + sandbox.scalekit.calls.count("ListEventsPaginated");

describe.concurrent("delegate chat against a Scalekit in another process", () => {
  it("piped input that ends while waiting: the CLI keeps waiting, resumes after consent, and exits 0", () =>
    withSandbox(async (sandbox) => {
      const cli = spawnCli(["chat", "--user", "olga"], {
        dataDir: tempDataDir(),
        env: externalSandboxEnv(sandbox),
      });
      try {
        cli.writeLine("show my unread email");
        cli.endInput();
        const [, url] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Gmail…");
        // The wait outlives the input: the watcher goes on polling (each poll well after the input ended).
        const before = polls(sandbox);
        await waitUntil(cli, () => polls(sandbox) >= before + 3, "three status polls after the wait began");
        await consent(url);
        await cli.waitFor("✓ Gmail connected");
        await cli.waitFor(GMAIL_TOOL_LINE);
        await cli.waitFor(FIRST_UNREAD);
        const { code } = await cli.exited;
        expect(cli.stderr()).toBe("");
        expect(code).toBe(0);
      } finally {
        cli.kill();
      }
    }));

  it("/connections only reads statuses; /connect creates the link, says when it was used, and /open then has nothing to open", () =>
    withSandbox(async (sandbox) => {
      const user = { userId: "pia" };
      const cli = spawnCli(["chat", "--user", user.userId], {
        dataDir: tempDataDir(),
        env: externalSandboxEnv(sandbox),
      });
      try {
        cli.writeLine("/connections");
        await cli.waitFor("Get a link with /connect <connector>.");
        expect(cli.stdout()).toMatch(/^ {2}○ Gmail +not connected$/m);
        expect(cli.stdout()).not.toMatch(MAGIC_LINK);
        // No account was created, no link issued: only status look-ups (and the M2M token).
        for (const connector of CONNECTOR_IDS)
          expect(sandbox.controls.status(user, connector)).toBeUndefined();
        const methods = new Set(sandbox.scalekit.calls.log.map((call) => call.method));
        expect(
          [...methods].filter((method) => !["ListConnectedAccounts", "OAuthToken"].includes(method)),
        ).toEqual([]);

        cli.writeLine("/connect gmail");
        const [, url] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        expect(cli.stdout()).toContain("Open this link to connect Gmail (link expires ");
        expect(sandbox.controls.status(user, "gmail")).toBe("PENDING_AUTH");
        await consent(url);
        // Not a thread wait, so no runtime event says it: the REPL notices by itself.
        const connected = await cli.waitFor(/^✓ Gmail connected$/m);

        const after = (connected.index ?? 0) + connected[0].length;
        cli.writeLine("/open");
        await cli.waitFor("No authorization link is pending. Use /connect <connector> to get one.", {
          from: after,
        });
        cli.writeLine("/connections");
        await cli.waitFor(/^ {2}● Gmail +connected$/m, { from: after });
        cli.endInput();
        expect((await cli.exited).code).toBe(0);
        expect(cli.stderr()).toBe("");
      } finally {
        cli.kill();
      }
    }));
});
