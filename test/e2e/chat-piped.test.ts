/**
 * `delegate chat` end to end with piped stdin: the real CLI in a child process, on its own
 * sandbox, consent given by --auto-approve or over HTTP by the test (as the browser form does).
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import {
  ANSI_ESCAPE,
  MAGIC_LINK,
  runCli,
  STACK_FRAME,
  spawnCli,
  submitConsent,
  tempDataDir,
} from "../helpers/cli-process.js";

/** The unread inbox subjects the sandbox seeds (the demo model lists them). */
const UNREAD_SUBJECTS = gmailSeed(new Date())
  .filter((mail) => mail.labels.includes("UNREAD") && mail.labels.includes("INBOX"))
  .map((mail) => mail.subject);

/** A link printed alone on its line, as non-TTY mode promises. */
const LINK_LINE = new RegExp(`^(${MAGIC_LINK.source})$`, "m");
const GMAIL_TOOL_LINE = /^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m;

function indexOf(text: string, needle: string | RegExp, from = 0): number {
  if (typeof needle === "string") return text.indexOf(needle, from);
  const match = text.slice(from).match(needle);
  return match?.index === undefined ? -1 : from + match.index;
}

function expectInOrder(text: string, needles: Array<string | RegExp>): void {
  let from = 0;
  for (const needle of needles) {
    const at = indexOf(text, needle, from);
    expect(at, `expected ${String(needle)} after offset ${from} in:\n${text}`).toBeGreaterThanOrEqual(0);
    from = at + 1;
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 9;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Each test runs one or more CLI processes (each with its own sandbox); a few at a time keeps
 * a small CI machine responsive, so the output waits stay meaningful.
 */
function lanes(count: number) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (active >= count) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await run();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}
const lane = lanes(3);

// A test's time includes its wait for a lane: the limit covers the queue ahead of it too.
describe.concurrent("delegate chat with piped input", { timeout: 240_000 }, () => {
  it("(a) --auto-approve: shows the link on its own line, connects Gmail and lists the seeded unread mail", () =>
    lane(async () => {
      expect(UNREAD_SUBJECTS.length).toBeGreaterThan(0);
      const dataDir = tempDataDir();
      const result = await runCli(["chat", "--auto-approve", "--user", "alice"], {
        dataDir,
        input: "show my unread email\n",
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const out = result.stdout;
      expect(out).toMatch(/^ {2}mode +sandbox/m);
      expect(out).toMatch(/^ {2}user +alice$/m);
      expectInOrder(out, [
        "you › show my unread email",
        "Connect Gmail to continue:",
        LINK_LINE,
        "✓ Gmail connected",
        GMAIL_TOOL_LINE,
      ]);
      for (const subject of UNREAD_SUBJECTS) expect(out).toContain(subject);
      // Non-TTY: no spinner frames, no colour, no hyperlink escapes.
      expect(out).not.toMatch(ANSI_ESCAPE);
      expect(out).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
      // The thread is persisted in SQLite under the data directory.
      expect(existsSync(join(dataDir, "delegate.sqlite"))).toBe(true);
    }));

  it("(b) waits for consent given over HTTP and resumes by itself", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "bea"], { dataDir });
      try {
        cli.writeLine("show my unread email");
        const [, url] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Gmail…");
        expect(cli.stdout()).not.toContain("Gmail connected");
        // The REPL's own way back (the agent does not mention /connect: other surfaces have none).
        expectInOrder(cli.stdout(), [
          LINK_LINE,
          "(or /connect gmail later)",
          "Waiting for you to connect Gmail…",
        ]);
        const consent = await submitConsent(url);
        expect(consent.status).toBe(200);
        expect(consent.body).toContain("Connected");
        // No further input: the watcher notices the ACTIVE account and the answer arrives.
        await cli.waitFor("✓ Gmail connected");
        await cli.waitFor(GMAIL_TOOL_LINE);
        await cli.waitFor(UNREAD_SUBJECTS[0] ?? "unread");
        cli.endInput();
        const { code } = await cli.exited;
        expect(code).toBe(0);
        expectInOrder(cli.stdout(), [
          LINK_LINE,
          "Waiting for you to connect Gmail…",
          "✓ Gmail connected",
          GMAIL_TOOL_LINE,
        ]);
        expect(cli.stderr()).toBe("");
      } finally {
        cli.kill();
      }
    }));

  it("(c) /cancel while waiting: the agent explains and the thread stays usable", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "cyd"], { dataDir });
      try {
        cli.writeLine("show my unread email");
        await cli.waitFor("Waiting for you to connect Gmail…");
        cli.writeLine("/cancel");
        await cli.waitFor("Cancelled: no longer waiting for Gmail.");
        // The blocked call is answered (never left dangling) and the model explains.
        const failed = await cli.waitFor(
          /^ {2}✗ gmail_search_messages\(.*\) → Authorization was cancelled.*$/m,
        );
        const explanation = await cli.waitFor(/^[^\n]*Gmail[^\n]*$/m, {
          from: (failed.index ?? 0) + failed[0].length,
        });
        expect(explanation[0]).not.toMatch(/^ {2}[✓✗]/);
        const before = cli.stdout().length;
        // The same thread takes the next request.
        cli.writeLine("show my unread email");
        const [, url] = (await cli.waitFor(LINK_LINE, { from: before })) as RegExpMatchArray &
          [string, string];
        expect((await submitConsent(url)).status).toBe(200);
        await cli.waitFor(GMAIL_TOOL_LINE, { from: before });
        await cli.waitFor(UNREAD_SUBJECTS[0] ?? "unread", { from: before });
        cli.endInput();
        expect((await cli.exited).code).toBe(0);
        const out = cli.stdout();
        expect(out).not.toMatch(/^! /m);
        expect(out).not.toContain("THREAD_BUSY");
      } finally {
        cli.kill();
      }
    }));

  it("(c2) Ctrl+C (SIGINT) while waiting cancels the wait; another SIGINT with nothing waiting exits with 130", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "cat"], { dataDir });
      try {
        cli.writeLine("show my unread email");
        await cli.waitFor("Waiting for you to connect Gmail…");
        cli.kill("SIGINT");
        await cli.waitFor("Cancelled: no longer waiting for Gmail.");
        const failed = await cli.waitFor(
          /^ {2}✗ gmail_search_messages\(.*\) → Authorization was cancelled.*$/m,
        );
        // The model's explanation follows the failed call.
        await cli.waitFor(/^[^\n]*Gmail[^\n]*$/m, { from: (failed.index ?? 0) + failed[0].length });
        cli.kill("SIGINT");
        const { code } = await cli.exited;
        expect(code).toBe(130);
        expect(cli.stderr()).toBe("");
      } finally {
        cli.kill();
      }
    }));

  it("(i0) /exit ends the chat even while the program feeding its input keeps the pipe open", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "cat"], { dataDir });
      try {
        await cli.waitFor("Type a request, or /help.");
        // The input is never ended: only /exit can end the session.
        cli.writeLine("/exit");
        const { code } = await cli.exited;
        expect(code).toBe(0);
        expect(cli.stderr()).toBe("");
      } finally {
        cli.kill();
      }
    }));

  it("(i) slash commands: /thread, /new, /user, /disconnect, /exit", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const result = await runCli(["chat", "--user", "ivy", "--auto-approve"], {
        dataDir,
        input: [
          "/thread",
          // Connectors by any name a person sees: the display name works as well as the id.
          "/connect Gmail",
          "/disconnect gmail",
          "/disconnect gmail",
          "/new",
          "/user",
          "/user zoe",
          "/frobnicate",
          "/exit",
          "show my unread email",
          "",
        ].join("\n"),
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      const out = result.stdout;
      const first = out.match(/^ {2}thread +(t-[0-9a-f]+)/m)?.[1];
      expectInOrder(out, [
        `Thread ${first} — continue it later with: delegate chat --user ivy --thread ${first}`,
        /^Open this link to connect Gmail \(link expires \d\d:\d\d\):$/m,
        LINK_LINE,
        "✓ Gmail connected (auto-approved in the sandbox)",
        "Disconnected Gmail.",
        "Gmail is not connected.",
        /^New thread t-[0-9a-f]+\.$/m,
        'User: ivy (Scalekit identifier "ivy")',
        /^Now acting as zoe on a new thread t-[0-9a-f]+\.$/m,
        "Unknown command /frobnicate. Type /help for the list.",
        "you › /exit",
      ]);
      // /exit ends the session: the line after it is never sent.
      expect(out).not.toContain("you › show my unread email");
    }));

  it("(d) a message typed while waiting is held, then answered after the connection", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "dee"], { dataDir });
      try {
        cli.writeLine("show my unread email");
        const [, gmailUrl] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Gmail…");
        cli.writeLine("what's on my calendar tomorrow");
        await cli.waitFor(
          `(held until Gmail is connected or you /cancel — one request at a time: "what's on my calendar tomorrow")`,
        );
        // Nothing about the calendar happens while Gmail is awaited.
        expect(cli.stdout()).not.toContain("Google Calendar to continue");
        expect((await submitConsent(gmailUrl)).status).toBe(200);
        await cli.waitFor(GMAIL_TOOL_LINE);
        const sent = await cli.waitFor(/^you › what's on my calendar tomorrow$/m);
        const [, calendarUrl] = (await cli.waitFor(LINK_LINE, {
          from: sent.index ?? 0,
        })) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Google Calendar…");
        expect((await submitConsent(calendarUrl)).status).toBe(200);
        await cli.waitFor("✓ Google Calendar connected");
        await cli.waitFor(/^ {2}✓ google_calendar_list_events\(.*\) → .+$/m);
        cli.endInput();
        expect((await cli.exited).code).toBe(0);
        const out = cli.stdout();
        expectInOrder(out, [
          "(held until Gmail is connected",
          "✓ Gmail connected",
          GMAIL_TOOL_LINE,
          UNREAD_SUBJECTS[0] ?? "unread",
          /^you › what's on my calendar tomorrow$/m,
          "✓ Google Calendar connected",
        ]);
        expect(out).not.toMatch(/^! /m);
      } finally {
        cli.kill();
      }
    }));

  it("(e) --auth-timeout: says clearly that it timed out, and the thread can be continued later", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const first = await runCli(["chat", "--user", "eve", "--auth-timeout", "1"], {
        dataDir,
        input: "show my unread email\n",
      });
      expect(first.code).toBe(0);
      expect(first.stderr).toBe("");
      expectInOrder(first.stdout, [
        LINK_LINE,
        "Waiting for you to connect Gmail…",
        "Timed out: Gmail was not connected in time (the limit is 1 second)",
        /^ {2}✗ gmail_search_messages\(.*\) → Authorization timed out/m,
      ]);
      const threadId = first.stdout.match(/^ {2}thread +(t-[0-9a-f]+)/m)?.[1];
      expect(threadId).toBeDefined();
      const later = await runCli(["chat", "--user", "eve", "--thread", threadId ?? "", "--auto-approve"], {
        dataDir,
        input: "show my unread email\n",
      });
      expect(later.code).toBe(0);
      expect(later.stdout).toMatch(new RegExp(`^ {2}thread +${threadId} \\(continued`, "m"));
      expect(later.stdout).toMatch(GMAIL_TOOL_LINE);
      expect(later.stdout).toContain(UNREAD_SUBJECTS[0] ?? "unread");
    }));

  it("(f) errors a person can cause: one line, no stack trace, non-zero exit where it ends the command", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const secret = "sk_test_delegate_e2e_SECRET_value";
      const deadUrl = `http://127.0.0.1:${await closedPort()}`;
      const real = {
        SCALEKIT_ENV_URL: deadUrl,
        SCALEKIT_CLIENT_ID: "skc_e2e",
        SCALEKIT_CLIENT_SECRET: secret,
        // On this machine, as a standalone sandbox would be: without it a note would say so.
        DELEGATE_PROVIDER_BASE_URL: deadUrl,
      };
      // The unreachable Scalekit takes a few seconds of retries: the quick cases run meanwhile, one by one.
      const unreachableRun = runCli(["chat", "--user", "fay"], {
        dataDir,
        input: "show my unread email\n",
        env: real,
      });
      const badFlag = await runCli(["chat", "--bogus"], { dataDir });
      const badTimeout = await runCli(["chat", "--auth-timeout", "soon"], { dataDir });
      const unknownConnector = await runCli(["chat", "--user", "fay"], {
        dataDir: tempDataDir(),
        input: "/connect nosuch\n/disconnect\n",
      });
      const autoApproveReal = await runCli(["chat", "--auto-approve"], { dataDir, env: real });
      const unreachable = await unreachableRun;

      expect(badFlag.code).toBe(2);
      expect(badFlag.stdout).toBe("");
      expect(badFlag.stderr).toMatch(/^delegate: Unknown option '--bogus'\. Run "delegate chat --help"\.\n$/);

      expect(badTimeout.code).toBe(2);
      expect(badTimeout.stderr).toMatch(
        /^delegate: --auth-timeout must be a number of seconds[^\n]*"soon"\.\n$/,
      );

      expect(unknownConnector.code).toBe(0);
      expect(unknownConnector.stderr).toBe("");
      expect(unknownConnector.stdout).toMatch(
        /^Unknown connector "nosuch"\. Known: gmail, google-calendar, slack, notion, outlook\.$/m,
      );
      expect(unknownConnector.stdout).toMatch(/^Which connector\? One of: gmail/m);

      expect(autoApproveReal.code).toBe(2);
      expect(autoApproveReal.stdout).toBe("");
      expect(autoApproveReal.stderr).toMatch(/^delegate: --auto-approve only works on the sandbox;[^\n]*\n$/);

      expect(unreachable.code).toBe(1);
      expect(unreachable.stdout).toBe("");
      expect(unreachable.stderr).toMatch(/^delegate: Scalekit at 127\.0\.0\.1:\d+ is unavailable[^\n]*\n$/);

      for (const result of [badFlag, badTimeout, unknownConnector, autoApproveReal, unreachable]) {
        expect(result.stdout + result.stderr).not.toMatch(STACK_FRAME);
        expect(result.stdout + result.stderr).not.toContain(secret);
      }
      // The failure is in the log file in the data directory, with the secret nowhere.
      const log = readFileSync(join(dataDir, "logs", "delegate.log"), "utf8");
      expect(log).toContain("SCALEKIT_UNAVAILABLE");
      expect(log).not.toContain(secret);
    }));

  it("(g) after a restart, --thread shows a fresh link for the pending authorization and finishes after consent", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const first = spawnCli(["chat", "--user", "gil"], { dataDir });
      let firstUrl: string;
      let threadId: string | undefined;
      try {
        first.writeLine("show my unread email");
        [, firstUrl] = (await first.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await first.waitFor("Waiting for you to connect Gmail…");
        threadId = first.stdout().match(/^ {2}thread +(t-[0-9a-f]+)/m)?.[1];
        expect(threadId).toBeDefined();
      } finally {
        first.kill("SIGTERM");
      }
      await first.exited;

      const second = spawnCli(["chat", "--user", "gil", "--thread", threadId ?? ""], { dataDir });
      try {
        await second.waitFor(
          /This thread is still waiting for you to connect Gmail \(since \d\d:\d\d, until \d\d:\d\d\)/,
        );
        await second.waitFor(`for: "show my unread email"`);
        const [, url] = (await second.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        // The sandbox restarted with fresh state: the old link is gone, a new one is shown.
        expect(url).not.toBe(firstUrl);
        await second.waitFor("Waiting for you to connect Gmail…");
        expect((await submitConsent(url)).status).toBe(200);
        await second.waitFor("✓ Gmail connected");
        // The tool line still knows the call's arguments from the checkpoint.
        await second.waitFor(GMAIL_TOOL_LINE);
        await second.waitFor(UNREAD_SUBJECTS[0] ?? "unread");
        second.endInput();
        expect((await second.exited).code).toBe(0);
        expect(second.stdout()).toMatch(new RegExp(`^ {2}thread +${threadId} \\(continued`, "m"));
        expect(second.stderr()).toBe("");
      } finally {
        second.kill();
      }
    }));

  it("(h) NO_COLOR and non-TTY output carry no ANSI escapes (FORCE_COLOR shows the check can see them)", () =>
    lane(async () => {
      const input = "/help\n/user\n/connections\n";
      const run = (env: Record<string, string>) =>
        runCli(["chat", "--user", "hal"], { dataDir: tempDataDir(), input, env });
      const noColor = await run({ NO_COLOR: "1" });
      const plain = await run({});
      const forced = await run({ FORCE_COLOR: "1" });
      const forcedButNoColor = await run({ FORCE_COLOR: "1", NO_COLOR: "1" });
      for (const result of [noColor, plain, forced, forcedButNoColor]) {
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("Connections of hal:");
        expect(result.stdout).toContain("/disconnect <connector>");
      }
      expect(noColor.stdout).not.toMatch(ANSI_ESCAPE);
      expect(plain.stdout).not.toMatch(ANSI_ESCAPE);
      expect(forcedButNoColor.stdout).not.toMatch(ANSI_ESCAPE);
      expect(forced.stdout).toMatch(ANSI_ESCAPE);
      // /connections only reads statuses: no link is created for it.
      expect(plain.stdout).toMatch(/^ {2}○ Gmail +not connected$/m);
      expect(plain.stdout).not.toMatch(MAGIC_LINK);
    }));

  it("(j) SIGINT while waiting after the input ended: the wait is cancelled, the agent explains, exit code 130", () =>
    lane(async () => {
      const cli = spawnCli(["chat", "--user", "jon"], { dataDir: tempDataDir() });
      try {
        cli.writeLine("show my unread email");
        cli.endInput();
        await cli.waitFor("Waiting for you to connect Gmail…");
        cli.kill("SIGINT");
        await cli.waitFor("Cancelled: no longer waiting for Gmail.");
        await cli.waitFor(/^ {2}✗ gmail_search_messages\(.*\) → Authorization was cancelled.*$/m);
        const { code } = await cli.exited;
        expect(code).toBe(130);
        expect(cli.stderr()).toBe("");
      } finally {
        cli.kill();
      }
    }));

  it("(k) input lines: terminal controls are not echoed, and a line over 16 KB is refused and not sent", () =>
    lane(async () => {
      const huge = "a".repeat(1024 * 1024);
      const result = await runCli(["chat", "--user", "kim"], {
        dataDir: tempDataDir(),
        input: `hi\u001b[2J\u001b]8;;https://evil.example\u0007there\u0007\n${huge}\n/thread\n`,
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      const out = result.stdout;
      expect(out).not.toMatch(ANSI_ESCAPE);
      expect(out).not.toContain("\u0007");
      // The sequences go whole: neither they nor their parameters are echoed.
      expect(out).toContain("you › hithere\n");
      expect(out).not.toContain("evil.example");
      expect(out).toMatch(/^! That line is 1,024 KB; a message can be at most 16 KB\. Nothing was sent\.$/m);
      // Neither echoed nor sent: the next line is handled as usual.
      expect(out).not.toContain("aaaaaaaa");
      expect(out.length).toBeLessThan(20_000);
      expectInOrder(out, ["! That line is", "you › /thread", /^Thread t-[0-9a-f]+ — continue it later/m]);
    }));

  it("(l) a call to approve is answered by the next piped line; with no line left it is rejected", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const schedule = "schedule lunch with sam@example.com tomorrow at noon";
      const cancel = "cancel my lunch with Sam tomorrow";
      const answered = await runCli(["chat", "--auto-approve", "--user", "lou"], {
        dataDir,
        input: `${schedule}\n${cancel}\ny\n`,
      });
      expect(answered.stderr).toBe("");
      expect(answered.code).toBe(0);
      expectInOrder(answered.stdout, [
        `you › ${cancel}`,
        /^approval required: Delete .+$/m,
        /^you › y$/m,
        /^ {2}✓ google_calendar_delete_event\(.*\) → .+$/m,
      ]);

      const unanswered = await runCli(["chat", "--auto-approve", "--user", "lou", "--new"], {
        dataDir,
        input: `${schedule}\n${cancel}\n`,
      });
      expect(unanswered.code).toBe(0);
      expect(unanswered.stdout).toMatch(/^approval required: Delete .+$/m);
      expect(unanswered.stdout).toMatch(
        /^Input ended before an answer: the action was rejected, so nothing was done\.$/m,
      );
      expect(unanswered.stdout).toMatch(/^ {2}✗ google_calendar_delete_event\(.*\) → .*declined.*$/m);
    }));

  it("(m) --thread that this user does not have says so, instead of quietly starting an empty thread", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const made = await runCli(["chat", "--user", "mia"], { dataDir, input: "hello\n" });
      const threadId = made.stdout.match(/^ {2}thread +(t-[0-9a-f]+)/m)?.[1] ?? "";
      expect(made.stdout).not.toContain("No thread");
      // Mia's id under another user is not her thread (threads are per user).
      const other = await runCli(["chat", "--user", "max", "--thread", threadId], { dataDir, input: "" });
      expect(other.code).toBe(0);
      expect(other.stdout).toContain(
        `No thread "${threadId}" of user max yet: this starts it (check --thread and --user).`,
      );
      const again = await runCli(["chat", "--user", "mia", "--thread", threadId], { dataDir, input: "" });
      expect(again.stdout).not.toContain("No thread");
    }));

  it("(n) DELEGATE_TOOLS=catalog with the offline demo model says that model will not use hosted tools", () =>
    lane(async () => {
      const note = "DELEGATE_TOOLS=catalog: the offline demo model knows only Delegate's own tools";
      const catalog = await runCli(["chat", "--user", "nat"], {
        dataDir: tempDataDir(),
        env: { DELEGATE_TOOLS: "catalog" },
        input: "",
      });
      expect(catalog.code).toBe(0);
      expect(catalog.stdout).toContain(note);
      const direct = await runCli(["chat", "--user", "nat"], { dataDir: tempDataDir(), input: "" });
      expect(direct.stdout).not.toContain(note);
    }));

  it("(o) commands piped with the request run once it waits (as typed ones would), in order; a held /cancel is echoed", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "ola"], { dataDir });
      try {
        // All at once, before the turn has even asked: the commands are read while it runs.
        cli.writeLine("show my unread email\n/thread\n/connections\nwhat's on my calendar tomorrow\n/help");
        const [, gmailUrl] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor(/^Thread t-[0-9a-f]+ — continue it later/m);
        await cli.waitFor("Connections of ola:");
        // Behind a held request, /help keeps its place.
        expect(cli.stdout()).not.toContain("you › /help");
        expect((await submitConsent(gmailUrl)).status).toBe(200);
        await cli.waitFor("you › /help");
        cli.writeLine("/cancel");
        await cli.waitFor("Cancelled: no longer waiting for Google Calendar.");
        // A /cancel read with its request waits for the wait it was meant for, and says it ran.
        cli.writeLine("post 'hi' to #team on Slack\n/cancel");
        await cli.waitFor("Cancelled: no longer waiting for Slack.");
        cli.endInput();
        expect((await cli.exited).code).toBe(0);
        expectInOrder(cli.stdout(), [
          "you › show my unread email",
          "you › /thread",
          "you › /connections",
          "✓ Gmail connected",
          "you › what's on my calendar tomorrow",
          "you › /help",
          "you › /cancel",
          "you › post 'hi' to #team on Slack",
          "you › /cancel",
          "Cancelled: no longer waiting for Slack.",
        ]);
      } finally {
        cli.kill();
      }
    }));

  it("(p) /connect for a connector that is not enabled says so, like an unknown one, and the session does not fail", () =>
    lane(async () => {
      const result = await runCli(["chat", "--user", "pat"], {
        dataDir: tempDataDir(),
        env: { DELEGATE_CONNECTORS: "-notion" },
        input: "/connect notion\n/connect frobnitz\n",
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      expectInOrder(result.stdout, [
        "Notion is not enabled here (DELEGATE_CONNECTORS).",
        'Unknown connector "frobnitz"',
      ]);
    }));

  it("(q) a link whose wait was cancelled, used after all, is reported connected", () =>
    lane(async () => {
      const cli = spawnCli(["chat", "--user", "quin"], { dataDir: tempDataDir() });
      try {
        cli.writeLine("show my unread email");
        const [, url] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Gmail…");
        cli.writeLine("/cancel");
        const cancelled = await cli.waitFor("Cancelled: no longer waiting for Gmail.");
        expect((await submitConsent(url)).status).toBe(200);
        await cli.waitFor("✓ Gmail connected", { from: cancelled.index ?? 0 });
        cli.endInput();
        expect((await cli.exited).code).toBe(0);
      } finally {
        cli.kill();
      }
    }));
  it("(r) a piped /exit read with the request that starts a wait runs once it waits, leaving the wait for later", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      // Read in one chunk with the request: held while the turn runs, then run as typed.
      const alone = await runCli(["chat", "--user", "rae"], {
        dataDir,
        input: "show my unread email\n/exit\n/thread\n",
        timeoutMs: 60_000,
      });
      expect(alone.code).toBe(0);
      expectInOrder(alone.stdout, [
        "Waiting for you to connect Gmail…",
        "you › /exit",
        /^Still waiting for Gmail\. To continue later: delegate chat --user rae --thread t-[0-9a-f]+/m,
      ]);
      // The session ended at /exit: what follows it is not run.
      expect(alone.stdout).not.toContain("you › /thread");

      // Behind another held command, /exit leaves after that command's output.
      const behind = await runCli(["chat", "--user", "rae", "--new"], {
        dataDir,
        input: "show my unread email\n/connections\n/exit\n",
        timeoutMs: 60_000,
      });
      expect(behind.code).toBe(0);
      expectInOrder(behind.stdout, [
        "you › /connections",
        "Connections of rae:",
        "you › /exit",
        "Still waiting for Gmail.",
      ]);
    }));
  it("(s) a command piped at an approval stays a command: it runs and the question is asked again; /exit leaves it pending", () =>
    lane(async () => {
      const dataDir = tempDataDir();
      const schedule = "schedule lunch with sam@example.com tomorrow at noon";
      const cancel = "cancel my lunch with Sam tomorrow";
      const ran = await runCli(["chat", "--auto-approve", "--user", "sid"], {
        dataDir,
        input: `${schedule}\n${cancel}\n/thread\n/connections\nn\n`,
      });
      expect(ran.code).toBe(0);
      expectInOrder(ran.stdout, [
        /^approval required: Delete .+$/m,
        "you › /thread",
        /^Thread t-[0-9a-f]+ — continue it later/m,
        /^approval required: Delete .+$/m,
        "you › /connections",
        "Connections of sid:",
        /^approval required: Delete .+$/m,
        /^you › n$/m,
        /^ {2}✗ google_calendar_delete_event\(.*\) → .*declined.*$/m,
      ]);
      expect(ran.stdout).not.toContain("Their reason");

      const left = await runCli(["chat", "--auto-approve", "--user", "sid", "--new"], {
        dataDir,
        input: `${schedule}\n${cancel}\n/exit\nshow my unread email\n`,
      });
      expect(left.code).toBe(0);
      expectInOrder(left.stdout, [
        /^approval required: Delete .+$/m,
        "you › /exit",
        /^Still waiting for your answer\. To continue later: delegate chat --user sid --thread (t-[0-9a-f]+) \(it asks again\)\.$/m,
      ]);
      expect(left.stdout).not.toContain("Their reason");
      expect(left.stdout).not.toContain("google_calendar_delete_event");
      expect(left.stdout).not.toContain("you › show my unread email");

      // The question waited with the thread: continued, a plain line answers it.
      const threadId = left.stdout.match(/--thread (t-[0-9a-f]+) \(it asks again\)/)?.[1] ?? "";
      const resumed = await runCli(["chat", "--auto-approve", "--user", "sid", "--thread", threadId], {
        dataDir,
        input: "n\n",
      });
      expect(resumed.code).toBe(0);
      expectInOrder(resumed.stdout, [
        /^approval required: Delete .+$/m,
        /^you › n$/m,
        /^ {2}✗ google_calendar_delete_event\(.*\) → .*declined.*$/m,
      ]);
    }));
});
