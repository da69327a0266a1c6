/**
 * The command-line OAuth pattern at a real terminal: `delegate chat` in a tmux pane prints a
 * start URL on the REPL's loopback listener; real Chromium opens it (the listener binds this
 * browser with a cookie and redirects to the magic link) and clicks Allow, follows the redirect
 * back to the listener, which checks the binding, verifies the user and shows "Gmail connected —
 * you can go back to the terminal", and the REPL resumes by itself: no key is pressed after the
 * request. The same verify URL in another browser (no binding) is refused.
 */
import { homedir } from "node:os";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from "../helpers/browser.js";
import { START_URL } from "../helpers/browser-binding.js";
import { cliCommandLine, MAGIC_LINK, tempDataDir } from "../helpers/cli-process.js";
import { TMUX_PATH, TmuxPane } from "../helpers/tmux.js";

const ready = chromiumAvailable() && TMUX_PATH !== undefined;
if (!ready) {
  console.log(
    `chat-verify-browser: skipped, needs tmux and ${CHROMIUM_PATH} (apt-get install tmux chromium)`,
  );
}

const FIRST_UNREAD =
  gmailSeed(new Date()).find((mail) => mail.labels.includes("UNREAD"))?.subject ?? "unread";

describe.skipIf(!ready)("consent in Chromium, verified on this machine, at a terminal", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("Chromium follows the redirect to the loopback listener and the REPL resumes without a keystroke", async ({
    onTestFinished,
  }) => {
    const dataDir = tempDataDir();
    const pane = TmuxPane.start({
      command: cliCommandLine(["chat", "--user", "rhea"]),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: homedir(),
        TERM: "xterm-256color",
        LANG: "C.UTF-8",
        DELEGATE_DATA_DIR: dataDir,
      },
      cwd: dataDir,
    });
    onTestFinished(() => pane.kill());
    const page = await browser.newPage();
    onTestFinished(() => page.close());

    await pane.waitFor(/^you › $/m);
    pane.type("show my unread email");
    pane.press("Enter");
    const linkRow = new RegExp(`^ {2}Gmail {2}(${MAGIC_LINK.source}) {2}\\(link expires`, "m");
    const link = (await pane.waitFor(linkRow)).match(linkRow)?.[1] ?? "";
    // The terminal shows the listener's start URL, not Scalekit's magic link.
    expect(link).toMatch(new RegExp(`^${START_URL.source}$`));
    await pane.waitFor(/Waiting for you to connect Gmail… \d:\d\d/);

    await page.goto(link);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Connect Gmail");
    expect(page.url()).toMatch(/\/magicLink\//);
    // Allow → the consent page's 303 → the REPL's listener on 127.0.0.1 (no key pressed).
    await Promise.all([
      page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/verify\?/),
      page.getByRole("button", { name: "Allow" }).click(),
    ]);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Connected");
    expect(await page.locator("main p").textContent()).toBe(
      "Gmail connected — you can go back to the terminal.",
    );
    expect(await page.title()).toBe("Gmail connected · Delegate");

    await pane.waitFor("✓ Gmail connected");
    await pane.waitFor(/^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m);
    await pane.waitFor(FIRST_UNREAD);
    await pane.waitFor(/^you › $/m);

    // Reloading the page presents the same redirect again: refused, nothing runs twice.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Not connected");
    expect(await page.locator("main p").textContent()).toContain("already used");
    // The verify URL in a browser that never opened the start URL (a forwarded redirect): refused.
    const other = await browser.newContext();
    onTestFinished(() => other.close());
    const stranger = await other.newPage();
    await stranger.goto(page.url());
    expect(await stranger.locator("main p").textContent()).toContain(
      "Open the link from the terminal that asked for it",
    );

    pane.press("C-d");
    expect(await pane.waitForExit(), pane.capture()).toBe(0);
    const screen = pane.capture();
    expect(screen.match(/✓ Gmail connected/g)).toHaveLength(1);
    expect(screen.match(/✓ gmail_search_messages/g)).toHaveLength(1);
  });
});
