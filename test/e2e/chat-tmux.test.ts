/**
 * `delegate chat` at a real terminal (a tmux pane on a private server): link, spinner with
 * elapsed time, consent over HTTP with no keystroke, auto-resume, /connections, typing while
 * waiting, Ctrl+C and /cancel, Ctrl+D.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import {
  cliCommandLine,
  MAGIC_LINK,
  shellQuote,
  submitConsent,
  tempDataDir,
} from "../helpers/cli-process.js";
import { paneEnv, TMUX_PATH, TmuxPane } from "../helpers/tmux.js";

if (!TMUX_PATH) console.log("chat-tmux: skipped, the tmux package is not installed (apt-get install tmux)");

const FIRST_UNREAD =
  gmailSeed(new Date()).find((mail) => mail.labels.includes("UNREAD"))?.subject ?? "unread";

/** Select Graphic Rendition (colour/style) sequences; a foreground colour in particular. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const SGR = /\u001b\[[0-9;]*m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const FOREGROUND_COLOUR = /\u001b\[3\dm/;
const SPINNER = "[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]";

describe.concurrent("delegate chat at a terminal (tmux)", () => {
  it.skipIf(!TMUX_PATH)(
    "shows the link and a spinner, resumes after consent without a keystroke, then /connections, Ctrl+C, /cancel and Ctrl+D",
    async ({ onTestFinished }) => {
      const dataDir = tempDataDir();
      const raw = join(dataDir, "pane.raw");
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--user", "tess"]),
        env: paneEnv(dataDir),
        cwd: dataDir,
        recordTo: raw,
      });
      onTestFinished(() => pane.kill());
      await pane.waitFor(/^you › $/m);
      expect(pane.capture()).toMatch(/^ {2}user +tess$/m);

      pane.type("show my unread email");
      pane.press("Enter");
      const linkRow = new RegExp(
        `^ {2}Gmail {2}(${MAGIC_LINK.source}) {2}\\(link expires \\d\\d:\\d\\d\\)$`,
        "m",
      );
      const screen = await pane.waitFor(linkRow);
      const url = screen.match(linkRow)?.[1] ?? "";
      // The spinner is the prompt line, with the elapsed time ticking.
      await pane.waitFor(
        new RegExp(
          `^${SPINNER} Waiting for you to connect Gmail… 0:0\\d \\(Ctrl\\+C or /cancel to cancel\\) › $`,
          "m",
        ),
      );
      await pane.waitFor(/Waiting for you to connect Gmail… 0:0[2-9]/);
      // On the terminal the link is an OSC 8 hyperlink whose text is the URL; tmux shows the text.
      expect(readFileSync(raw, "latin1")).toContain(`\u001b]8;;${url}\u0007`);
      expect(pane.capture()).not.toContain("]8;;");

      // Consent over HTTP, no keystroke: it resumes by itself.
      expect((await submitConsent(url)).status).toBe(200);
      await pane.waitFor("✓ Gmail connected");
      await pane.waitFor(/^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m);
      await pane.waitFor(FIRST_UNREAD);
      await pane.waitFor(/^you › $/m);
      expect(pane.capture()).not.toMatch(new RegExp(`${SPINNER} Waiting`));

      pane.type("/connections");
      pane.press("Enter");
      await pane.waitFor("Connections of tess:");
      const connections = await pane.waitFor("Get a link with /connect <connector>.");
      expect(connections).toMatch(/^ {2}● Gmail +connected$/m);
      // Statuses only: /connections creates no account and no link.
      expect(connections).toMatch(/^ {2}○ Slack +not connected$/m);
      expect(connections).toMatch(/^ {2}○ Outlook +not connected$/m);

      // A second request waits; what is typed meanwhile stays visible on the spinner line.
      pane.type("post 'deploy is done' to #team on Slack");
      pane.press("Enter");
      await pane.waitFor(/Waiting for you to connect Slack… \d:\d\d/);
      pane.type("hello there");
      await pane.waitFor(
        /Waiting for you to connect Slack… \d:\d\d \(Ctrl\+C or \/cancel to cancel\) › hello there$/m,
      );
      // Ctrl+C cancels the wait; the agent explains.
      pane.press("C-c");
      await pane.waitFor("Cancelled: no longer waiting for Slack.");
      await pane.waitFor(/^ {2}✗ slack_post_message\(.*\) → Authorization was cancelled/m);
      await pane.waitFor(/^you › $/m);

      // A third request, cancelled with /cancel.
      pane.type("what's on my calendar tomorrow");
      pane.press("Enter");
      await pane.waitFor(/Waiting for you to connect Google Calendar… \d:\d\d/);
      pane.type("/cancel");
      pane.press("Enter");
      await pane.waitFor("Cancelled: no longer waiting for Google Calendar.");
      await pane.waitFor(/^ {2}✗ google_calendar_list_events\(.*\) → Authorization was cancelled/m);
      await pane.waitFor(/^you › $/m);
      const afterCancel = pane.capture();
      expect(afterCancel).not.toMatch(/^! /m);
      expect(afterCancel).toContain("you › /cancel");

      // Ctrl+D leaves cleanly.
      pane.press("C-d");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
      expect(pane.capture()).toMatch(
        /Bye\. Continue this thread with: delegate chat --user tess --thread t-[0-9a-f]+/,
      );
      // Colour is on at a terminal without NO_COLOR.
      expect(readFileSync(raw, "latin1")).toMatch(FOREGROUND_COLOUR);
    },
  );

  it.skipIf(!TMUX_PATH)(
    "NO_COLOR at a terminal: no colour, while the spinner and hyperlinks stay",
    async ({ onTestFinished }) => {
      const dataDir = tempDataDir();
      const raw = join(dataDir, "pane.raw");
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--user", "nora"]),
        env: paneEnv(dataDir, { NO_COLOR: "1" }),
        cwd: dataDir,
        recordTo: raw,
      });
      onTestFinished(() => pane.kill());
      await pane.waitFor(/^you › $/m);
      pane.type("show my unread email");
      pane.press("Enter");
      await pane.waitFor(new RegExp(`${SPINNER} Waiting for you to connect Gmail… \\d:\\d\\d`));
      // A paste that wraps past the width: the spinner keeps redrawing in place above it.
      pane.type("x".repeat(100));
      const elapsed = (screen: string) => screen.match(/connect Gmail… (\d:\d\d)/)?.[1];
      // (capture joins wrapped rows: a stale spinner row would show as a second "Waiting" line)
      const wrapped = await pane.waitFor(/› x{100}$/m);
      await pane.waitUntil(
        (screen) => elapsed(screen) !== elapsed(wrapped) && /› x{100}$/m.test(screen),
        "the spinner to tick over the wrapped line",
      );
      expect(pane.capture().match(/Waiting for you to connect Gmail…/g)).toHaveLength(1);
      pane.press("C-u");
      pane.type("/exit");
      pane.press("Enter");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
      // Leaving while a connection is awaited says how to come back to it.
      expect(pane.capture()).toMatch(
        /Still waiting for Gmail\. To continue later: delegate chat --user nora --thread t-[0-9a-f]+/,
      );
      const bytes = readFileSync(raw, "latin1");
      expect(bytes).toContain("\u001b]8;;http://127.0.0.1:");
      // No SGR colour or style sequences (cursor movement and line clearing are fine).
      expect(bytes).not.toMatch(SGR);
    },
  );

  it.skipIf(!TMUX_PATH)(
    "/open opens the pending link in the browser, and nothing once the request is done",
    async ({ onTestFinished }) => {
      const dataDir = tempDataDir();
      // A "browser" that records what it is asked to open (xdg-open without a display uses $BROWSER).
      const opened = join(dataDir, "opened.txt");
      const browser = join(dataDir, "browser.sh");
      writeFileSync(browser, `#!/bin/sh\necho "$1" >> ${shellQuote(opened)}\n`, { mode: 0o755 });
      const openedUrls = () => (existsSync(opened) ? readFileSync(opened, "utf8").trim().split("\n") : []);
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--user", "otto"]),
        env: paneEnv(dataDir, { BROWSER: browser }),
        cwd: dataDir,
      });
      onTestFinished(() => pane.kill());
      await pane.waitFor(/^you › $/m);
      pane.type("/open");
      pane.press("Enter");
      await pane.waitFor("No authorization link is pending. Use /connect <connector> to get one.");

      pane.type("show my unread email");
      pane.press("Enter");
      const linkRow = new RegExp(`^ {2}Gmail {2}(${MAGIC_LINK.source}) {2}\\(link expires`, "m");
      const url = (await pane.waitFor(linkRow)).match(linkRow)?.[1] ?? "";
      await pane.waitFor(/Waiting for you to connect Gmail… \d:\d\d/);
      pane.type("/open");
      pane.press("Enter");
      await pane.waitFor("(asked your browser to open the link; if nothing opened, open it yourself)");
      await pane.waitUntil(() => openedUrls().length > 0, "the browser to be asked for the link");
      expect(openedUrls()).toEqual([url]);

      expect((await submitConsent(url)).status).toBe(200);
      await pane.waitFor("✓ Gmail connected");
      await pane.waitFor(FIRST_UNREAD);
      await pane.waitFor(/^you › $/m);
      // The request is done: its link is used up, and /open says so rather than opening it again.
      pane.type("/open");
      pane.press("Enter");
      await pane.waitUntil(
        (screen) => screen.split("No authorization link is pending.").length === 3,
        "a second 'No authorization link is pending.'",
      );
      expect(openedUrls()).toEqual([url]);
      pane.press("C-d");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
    },
  );
  it.skipIf(!TMUX_PATH)(
    "at approve ›: no [e]dit for a delete (e says so), and Ctrl+C cancels with a plain message and no stale prompt",
    async ({ onTestFinished }) => {
      const dataDir = tempDataDir();
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--auto-approve", "--user", "abe"]),
        env: paneEnv(dataDir),
        cwd: dataDir,
      });
      onTestFinished(() => pane.kill());
      await askToDeleteLunch(pane);
      const asked = pane.capture();
      // No [a]lways either: the event was found by a listing, not named by the person, so always
      // allowing the tool would still ask for it.
      expect(asked).toMatch(/^Approve\? \[y\]es \/ \[n\]o$/m);

      pane.type("e");
      pane.press("Enter");
      await pane.waitFor("Nothing in this call can be edited.");
      expect(pane.capture()).not.toContain("or e (edit)");
      await pane.waitFor(/^approve › $/m);

      pane.press("C-c");
      await pane.waitFor("Cancelled: the actions waiting for your answer will not run.");
      await pane.waitFor(/^ {2}✗ google_calendar_delete_event\(/m);
      const after = await pane.waitFor(/^you › $/m);
      expect(after).not.toContain("waiting for .");
      // The question's prompt went with it: no stale "approve ›" line is left above "you ›".
      expect(after).not.toMatch(/^approve ›\s*$/m);
      pane.press("C-d");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
    },
  );
  it.skipIf(!TMUX_PATH)(
    "a command typed at approve › runs, then the question and approve › come back; the next line answers it",
    async ({ onTestFinished }) => {
      const dataDir = tempDataDir();
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--auto-approve", "--user", "cal"]),
        env: paneEnv(dataDir),
        cwd: dataDir,
      });
      onTestFinished(() => pane.kill());
      await askToDeleteLunch(pane);
      const questions = (screen: string) => screen.match(/^Google Calendar · Delete event /gm)?.length ?? 0;

      pane.type("/connections");
      pane.press("Enter");
      // After the command's output: the question again, and its own prompt (not "you ›").
      await pane.waitFor(
        /Get a link with \/connect <connector>\.\nGoogle Calendar · Delete event [^\n]+\n(?:.*\n)*?Approve\?[^\n]*\napprove › $/m,
      );
      expect(pane.capture()).not.toMatch(/^you › $/m);

      pane.type("/thread");
      pane.press("Enter");
      await pane.waitUntil(
        (screen) =>
          questions(screen) === 3 &&
          /^Thread t-[0-9a-f]+ — continue/m.test(screen) &&
          /^approve › $/m.test(screen),
        "the question asked a third time after /thread",
      );

      // A command that cannot run now is held for the end of the turn; the question stays.
      pane.type("/new");
      pane.press("Enter");
      await pane.waitUntil(
        (screen) =>
          questions(screen) === 4 && screen.includes('(held: "/new" runs once this request is done)'),
        "the question asked again after /new was held",
      );
      await pane.waitFor(/^approve › $/m);

      // The next line answers the question (it is not taken as a request).
      pane.type("n");
      pane.press("Enter");
      await pane.waitFor(/^ {2}✗ google_calendar_delete_event\(.*\) → .*declined/m);
      await pane.waitFor(/^New thread t-[0-9a-f]+\.$/m);
      await pane.waitFor(/^you › $/m);
      expect(pane.capture()).not.toContain("Answer y (yes)");
      pane.press("C-d");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
    },
  );
});

/** Schedules a lunch (consent by --auto-approve), then asks to delete it: the approval question waits. */
async function askToDeleteLunch(pane: TmuxPane): Promise<void> {
  await pane.waitFor(/^you › $/m);
  pane.type("schedule lunch with sam@example.com tomorrow at noon");
  pane.press("Enter");
  await pane.waitFor(/^ {2}✓ google_calendar_create_event\(/m);
  await pane.waitFor(/^you › $/m);
  pane.type("cancel my lunch with Sam tomorrow");
  pane.press("Enter");
  await pane.waitFor(/^Google Calendar · Delete event /m);
  await pane.waitFor(/^approve › $/m);
}
