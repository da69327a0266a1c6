/**
 * A real browser gives consent: Debian's chromium (playwright-core) opens the link the REPL
 * printed, the test checks the consent page, saves a screenshot, clicks Allow, and the REPL
 * resumes by itself and prints the result.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTORS } from "../../src/connectors/registry.js";
import { startSandbox } from "../../src/sandbox/index.js";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from "../helpers/browser.js";
import {
  externalSandboxEnv,
  MAGIC_LINK,
  REPO_ROOT,
  spawnCli,
  tempDataDir,
  waitUntil,
} from "../helpers/cli-process.js";

const hasChromium = chromiumAvailable();
if (!hasChromium) {
  console.log(
    `chat-browser: skipped, ${CHROMIUM_PATH} is missing (install the Debian package: apt-get install chromium)`,
  );
}

const LINK_LINE = new RegExp(`^(${MAGIC_LINK.source})$`, "m");
const FIRST_UNREAD =
  gmailSeed(new Date()).find((mail) => mail.labels.includes("UNREAD"))?.subject ?? "unread";
const SCREENSHOT = join(REPO_ROOT, "test-results", "consent-page.png");

describe.skipIf(!hasChromium).concurrent("consent in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens the printed link, checks the consent page, clicks Allow, and the REPL resumes", async () => {
    const dataDir = tempDataDir();
    const user = "robin@example.com";
    // The consent page's own "Connected" answer: without user verification (chat-verify-browser
    // covers the default, where Allow leads to the REPL's loopback listener).
    const cli = spawnCli(["chat", "--user", user], { dataDir, env: { DELEGATE_VERIFY: "off" } });
    const page = await browser.newPage({ viewport: { width: 800, height: 720 } });
    try {
      cli.writeLine("show my unread email");
      const [, url] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
      await cli.waitFor("Waiting for you to connect Gmail…");

      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toContain("Connect Gmail");
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Connect Gmail");
      const text = ((await page.locator("main").textContent()) ?? "").replace(/\s+/g, " ");
      expect(text).toContain(user);
      for (const scope of CONNECTORS.gmail.scopes) expect(text).toContain(scope);
      const allow = page.getByRole("button", { name: "Allow" });
      const deny = page.getByRole("button", { name: "Deny" });
      expect(await allow.isVisible()).toBe(true);
      expect(await deny.isVisible()).toBe(true);
      expect(await page.locator("#allow").getAttribute("value")).toBe("allow");
      expect(await page.locator("#deny").getAttribute("value")).toBe("deny");
      expect(await page.locator("form").getAttribute("method")).toBe("post");

      mkdirSync(join(REPO_ROOT, "test-results"), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await Promise.all([page.waitForURL(url), allow.click()]);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Connected");
      expect((await page.locator("main").textContent()) ?? "").toContain("Gmail is now connected");

      // No keystroke in the REPL: it notices the connection and answers.
      await cli.waitFor("✓ Gmail connected");
      await cli.waitFor(/^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m);
      await cli.waitFor(FIRST_UNREAD);
      cli.endInput();
      expect((await cli.exited).code).toBe(0);
    } finally {
      await page.close();
      cli.kill();
    }
  });

  it("Deny connects nothing: the REPL keeps waiting until /cancel", async () => {
    // A sandbox of the test's own (the CLI reaches it as it would Scalekit), so the test can see
    // the CLI's status polls: the positive sign that the watcher looked again after the denial.
    const sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
    const cli = spawnCli(["chat", "--user", "sam"], {
      dataDir: tempDataDir(),
      env: externalSandboxEnv(sandbox),
    });
    const page = await browser.newPage();
    try {
      cli.writeLine("post 'deploy is done' to #team on Slack");
      const [, url] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
      await cli.waitFor("Waiting for you to connect Slack…");
      // The REPL's start URL sets this browser's binding and redirects to the consent page.
      await page.goto(url);
      const consentPage = page.url();
      await Promise.all([page.waitForURL(consentPage), page.getByRole("button", { name: "Deny" }).click()]);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Access denied");
      // Status look-ups, or reads of Scalekit's event feed (which cover every wait).
      const polls = () =>
        sandbox.scalekit.calls.count("ListConnectedAccounts") +
        sandbox.scalekit.calls.count("ListEventsPaginated");
      const before = polls();
      await waitUntil(cli, () => polls() >= before + 3, "three status polls after the denial");
      expect(sandbox.controls.status({ userId: "sam" }, "slack")).not.toBe("ACTIVE");
      expect(cli.stdout()).not.toContain("Slack connected");
      cli.writeLine("/cancel");
      await cli.waitFor("Cancelled: no longer waiting for Slack.");
      await cli.waitFor(/^ {2}✗ slack_post_message\(.*\) → Authorization was cancelled/m);
      cli.endInput();
      expect((await cli.exited).code).toBe(0);
    } finally {
      await page.close();
      cli.kill();
      await sandbox.close();
    }
  });
});
