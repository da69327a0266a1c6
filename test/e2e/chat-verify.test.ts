/**
 * `delegate chat` binds consent to this machine and browser (Scalekit user verification, on by
 * default): the terminal shows a start URL on a loopback listener, which binds the browser that
 * opens it (a cookie) and sends it on to the magic link; links carry the listener's verify URL
 * and a signed state, the emulator's consent page redirects there after Allow, Delegate checks
 * the browser's binding and verifies, and the REPL resumes without input. Here without a
 * terminal; the redirects are followed by an HTTP client with a cookie jar, as a browser would.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScalekitAgentAuth } from "../../src/auth/scalekit/scalekit-agent-auth.js";
import { audienceOf, VerificationStateSigner } from "../../src/auth/verification-state.js";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { browse, CookieJar, consentInBrowser, openStart, START_URL } from "../helpers/browser-binding.js";
import { externalSandboxEnv, MAGIC_LINK, spawnCli, tempDataDir } from "../helpers/cli-process.js";
import { consentRedirect, signPayload, statePayload, tamperedState } from "../helpers/user-verification.js";

const LINK_LINE = new RegExp(`^(${MAGIC_LINK.source})$`, "m");
const GMAIL_TOOL_LINE = /^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m;
const FIRST_UNREAD =
  gmailSeed(new Date()).find((mail) => mail.labels.includes("UNREAD"))?.subject ?? "unread";
const LISTENER = /^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/verify$/;
const START_LINE = new RegExp(`^(${START_URL.source})$`, "m");

async function withSandbox(run: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  try {
    await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

function paragraph(html: string): string {
  return /<p>([\s\S]*?)<\/p>/.exec(html)?.[1]?.replaceAll("&#39;", "'") ?? "";
}

describe.concurrent("delegate chat with user verification (piped)", () => {
  it("the consent redirect reaches the loopback listener, Delegate verifies, and the REPL resumes without input", async () => {
    const dataDir = tempDataDir();
    const cli = spawnCli(["chat", "--user", "vera"], { dataDir });
    try {
      cli.writeLine("show my unread email");
      // The terminal shows the listener's start URL, never the magic link itself.
      const [, link] = (await cli.waitFor(START_LINE)) as RegExpMatchArray & [string, string];
      await cli.waitFor("Waiting for you to connect Gmail…");
      // The browser opens the start URL (its binding cookie), the consent page, Allow, and
      // follows the 303 to the verify URL with its cookies.
      const browser = new CookieJar();
      const { response, url: landed, consentUrl } = await consentInBrowser(browser, link);
      expect(consentUrl.pathname).toMatch(/^\/magicLink\//);
      expect(browser.names()).toEqual([expect.stringMatching(/^delegate_flow_/)]);
      expect(`${landed.origin}${landed.pathname}`).toMatch(LISTENER);
      expect(landed.searchParams.get("auth_request_id")).toMatch(/^req_/);
      expect(statePayload(landed.searchParams.get("state") ?? "")).toMatchObject({ u: "vera", c: "gmail" });
      expect(response.status).toBe(200);
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await response.text();
      expect(paragraph(html)).toBe("Gmail connected — you can go back to the terminal.");

      await cli.waitFor("✓ Gmail connected");
      await cli.waitFor(GMAIL_TOOL_LINE);
      await cli.waitFor(FIRST_UNREAD);
      // The same redirect again (a reload) is a replay: refused, and nothing runs twice.
      const { response: replay } = await browse(browser, landed);
      expect(replay.status).toBe(409);
      expect(paragraph(await replay.text())).toContain("already used");
      // The start URL read by someone else (a process list, a log) and opened in their browser:
      // it binds only the browser that opened it first.
      const { response: elsewhere } = await browse(new CookieJar(), link);
      expect(elsewhere.status).toBe(409);
      expect(paragraph(await elsewhere.text())).toContain("opened in another browser");
      cli.endInput();
      expect((await cli.exited).code).toBe(0);
      expect(cli.stdout().match(/✓ Gmail connected/g)).toHaveLength(1);
      expect(cli.stdout().match(/✓ gmail_search_messages/g)).toHaveLength(1);
      // The state never reaches the terminal or the log; the key file is the owner's only.
      const log = readFileSync(join(dataDir, "logs", "delegate.log"), "utf8");
      const state = landed.searchParams.get("state") ?? "";
      for (const text of [cli.stdout(), log]) {
        expect(text).not.toContain(state);
        expect(text).not.toContain(consentUrl.pathname);
        expect(text).not.toContain(landed.searchParams.get("auth_request_id") ?? "");
      }
      expect(statSync(join(dataDir, "verification.key")).mode & 0o777).toBe(0o600);
      expect(log).toContain("user verified");
    } finally {
      cli.kill();
    }
  });

  it("a browser that never reaches the verify URL, a forged, expired or foreign state, and someone else's consent connect nothing", () =>
    withSandbox(async (sandbox) => {
      const dataDir = tempDataDir();
      const cli = spawnCli(["chat", "--user", "alma"], { dataDir, env: externalSandboxEnv(sandbox) });
      try {
        cli.writeLine("show my unread email");
        const [, link] = (await cli.waitFor(START_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Gmail…");
        // Alma's browser opens the start URL: it holds the binding for this flow.
        const alma = new CookieJar();
        const { magicLink } = await openStart(alma, link);
        // Consent completed in a browser elsewhere (the magic link got out): it is sent to this
        // machine's loopback, which that browser cannot reach. Nothing is connected or resumes.
        const redirect = await consentRedirect(magicLink);
        const listener = `${redirect.location.origin}${redirect.location.pathname}`;
        expect(listener).toMatch(LISTENER);
        expect(sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("PENDING_VERIFICATION");

        const visit = async (
          state: string,
          authRequestId = redirect.authRequestId,
          browser: CookieJar | undefined = alma,
        ) => {
          const url = new URL(listener);
          url.searchParams.set("auth_request_id", authRequestId);
          url.searchParams.set("state", state);
          const cookie = browser?.header(url) ?? "";
          const response = await fetch(url, { headers: cookie ? { cookie } : {} });
          return { status: response.status, text: paragraph(await response.text()) };
        };

        // Login CSRF: that redirect, sent back to alma and clicked in a browser that never
        // opened this flow's start URL (or any of this REPL's). Refused, and the state unspent.
        const fresh = new CookieJar();
        expect(await visit(redirect.state, redirect.authRequestId, fresh)).toEqual({
          status: 403,
          text: "This browser did not start this connection. Open the link from the terminal that asked for it, in this browser, and allow access there.",
        });
        expect(sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("PENDING_VERIFICATION");
        // A browser whose binding is another flow's (a /connect slack start) is refused too, unspent.
        cli.writeLine("/connect slack");
        // The URL is the line after the heading: wait for both, not just the heading.
        const [, slackStart = ""] = await cli.waitFor(
          new RegExp(
            `Open this link to connect Slack \\(link expires \\d\\d:\\d\\d\\):\n(${START_URL.source})`,
          ),
        );
        expect(slackStart).not.toBe(link);
        const slackBrowser = new CookieJar();
        expect((await openStart(slackBrowser, slackStart)).status).toBe(302);
        expect(await visit(redirect.state, redirect.authRequestId, slackBrowser)).toEqual({
          status: 403,
          text: "This verification is for another account than the one this browser was connecting, so nothing was connected.",
        });
        expect(sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("PENDING_VERIFICATION");
        const key = readFileSync(join(dataDir, "verification.key"), "utf8").trim();
        const sign = (userId: string) =>
          new VerificationStateSigner(key).sign({
            identity: { userId },
            connection: "gmail",
            thread: statePayload(redirect.state).t,
            audience: audienceOf(listener),
          }).state;
        // This very link's state (the binding refuses any other), changed and validly signed again.
        const resigned = (change: Record<string, unknown>) =>
          signPayload(key, { ...statePayload(redirect.state), ...change });

        // With alma's own binding, the state is checked: forged, expired, another user's.
        expect(await visit(tamperedState(redirect.state, { e: Date.now() + 9 * 3600_000 }))).toEqual({
          status: 403,
          text: "This verification link is not one Delegate made, so nothing was connected.",
        });
        expect((await visit(resigned({ e: Date.now() - 3600_000 }))).text).toContain("has expired");
        expect((await visit(resigned({ u: "mallory" }))).text).toContain("started for another user");
        // Bob's consent (his own link) presented with alma's state: Scalekit refuses the identifier.
        const bobAuth = new ScalekitAgentAuth(sandbox.settings);
        const bobLink = await bobAuth.getAuthorizationLink({ userId: "bob" }, "gmail", {
          userVerifyUrl: listener,
          state: sign("bob"),
        });
        const bob = await consentRedirect(bobLink.url);
        expect(await visit(redirect.state, bob.authRequestId)).toEqual({
          status: 403,
          text: "This authorization was completed for a different user, so it was not accepted.",
        });
        // That attempt spent alma's state: her own redirect is now a replay.
        expect((await visit(redirect.state)).status).toBe(409);
        // Wrong path or host: nothing to see.
        expect((await fetch(`${redirect.location.origin}/guess/verify`)).status).toBe(404);

        expect(sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("PENDING_VERIFICATION");
        expect(sandbox.controls.status({ userId: "bob" }, "gmail")).toBe("PENDING_VERIFICATION");
        // Still waiting: /cancel ends that wait (it would say nothing was waiting otherwise).
        cli.writeLine("/cancel");
        await cli.waitFor("Cancelled: no longer waiting for Gmail.");
        await cli.waitFor(/^ {2}✗ gmail_search_messages\(.*\) → Authorization was cancelled/m);
        cli.endInput();
        expect((await cli.exited).code).toBe(0);
        expect(cli.stdout()).not.toContain("Gmail connected");
      } finally {
        cli.kill();
      }
    }));

  it("DELEGATE_VERIFY=off: plain links, the consent page connects by itself", async () => {
    const cli = spawnCli(["chat", "--user", "otis"], {
      dataDir: tempDataDir(),
      env: { DELEGATE_VERIFY: "off" },
    });
    try {
      cli.writeLine("show my unread email");
      const [, link] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
      // No start URL: the magic link itself, as before.
      expect(link).toMatch(/\/magicLink\//);
      const response = await fetch(link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=allow",
        redirect: "manual",
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("<strong>Gmail</strong> is now connected");
      await cli.waitFor("✓ Gmail connected");
      await cli.waitFor(GMAIL_TOOL_LINE);
      cli.endInput();
      expect((await cli.exited).code).toBe(0);
    } finally {
      cli.kill();
    }
  });
});
