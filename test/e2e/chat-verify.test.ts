/**
 * `delegate chat` binds consent to this machine (Scalekit user verification, on by default):
 * links carry a loopback listener's verify URL and a signed state, the emulator's consent page
 * redirects there after Allow, Delegate verifies, and the REPL resumes without input. Here
 * without a terminal; the redirect is followed by an HTTP client, as a browser would.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScalekitAgentAuth } from "../../src/auth/scalekit/scalekit-agent-auth.js";
import { VerificationStateSigner } from "../../src/auth/verification-state.js";
import { gmailSeed } from "../../src/sandbox/providers/gmail/gmail-seed.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { externalSandboxEnv, MAGIC_LINK, spawnCli, tempDataDir } from "../helpers/cli-process.js";
import { consentRedirect, statePayload, tamperedState } from "../helpers/user-verification.js";

const LINK_LINE = new RegExp(`^(${MAGIC_LINK.source})$`, "m");
const GMAIL_TOOL_LINE = /^ {2}✓ gmail_search_messages\(query: "is:unread".*\) → \d+ messages$/m;
const FIRST_UNREAD =
  gmailSeed(new Date()).find((mail) => mail.labels.includes("UNREAD"))?.subject ?? "unread";
const LISTENER = /^http:\/\/127\.0\.0\.1:\d+\/delegate\/verify\/[\w-]{32}$/;

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
      const [, link] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
      await cli.waitFor("Waiting for you to connect Gmail…");
      // fetch follows the consent page's 303 to the verify URL, as a browser does.
      const response = await fetch(link, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=allow",
      });
      const landed = new URL(response.url);
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
      // The same redirect again is a replay: refused, and nothing runs twice.
      const replay = await fetch(response.url);
      expect(replay.status).toBe(409);
      expect(paragraph(await replay.text())).toContain("already used");
      cli.endInput();
      expect((await cli.exited).code).toBe(0);
      expect(cli.stdout().match(/✓ Gmail connected/g)).toHaveLength(1);
      expect(cli.stdout().match(/✓ gmail_search_messages/g)).toHaveLength(1);
      // The state never reaches the terminal or the log; the key file is the owner's only.
      const log = readFileSync(join(dataDir, "logs", "delegate.log"), "utf8");
      const state = landed.searchParams.get("state") ?? "";
      for (const text of [cli.stdout(), log]) {
        expect(text).not.toContain(state);
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
        const [, link] = (await cli.waitFor(LINK_LINE)) as RegExpMatchArray & [string, string];
        await cli.waitFor("Waiting for you to connect Gmail…");
        // Consent completed in a browser elsewhere: it is sent to this machine's loopback, which
        // that browser cannot reach. The account waits for verification; nothing resumes.
        const redirect = await consentRedirect(link);
        const listener = `${redirect.location.origin}${redirect.location.pathname}`;
        expect(listener).toMatch(LISTENER);
        expect(sandbox.controls.status({ userId: "alma" }, "gmail")).toBe("PENDING_VERIFICATION");

        const visit = async (state: string, authRequestId = redirect.authRequestId) => {
          const url = new URL(listener);
          url.searchParams.set("auth_request_id", authRequestId);
          url.searchParams.set("state", state);
          const response = await fetch(url);
          return { status: response.status, text: paragraph(await response.text()) };
        };
        const key = readFileSync(join(dataDir, "verification.key"), "utf8").trim();
        const sign = (userId: string, now = Date.now()) =>
          new VerificationStateSigner(key, { now: () => now }).sign({
            identity: { userId },
            connection: "gmail",
            thread: statePayload(redirect.state).t,
          }).state;

        expect(await visit(tamperedState(redirect.state, { c: "slack" }))).toEqual({
          status: 403,
          text: "This verification link is not one Delegate made, so nothing was connected.",
        });
        expect((await visit(sign("alma", Date.now() - 2 * 3600_000))).text).toContain("has expired");
        expect((await visit(sign("mallory"))).text).toContain("started for another user");
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
        expect((await fetch(`${redirect.location.origin}/delegate/verify/guess`)).status).toBe(404);

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
