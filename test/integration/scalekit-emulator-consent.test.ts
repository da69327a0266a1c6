import * as http from "node:http";
import { ScalekitClient } from "@scalekit-sdk/node";
import { ConnectorStatus } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
} from "../../src/sandbox/scalekit/index.js";
import { chromiumAvailable, launchChromium } from "../helpers/browser.js";
import { consent } from "../helpers/sandbox-runtime.js";

const emulators: ScalekitEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

async function start(options: ScalekitEmulatorOptions = {}) {
  const emulator = await startScalekitEmulator({
    connections: { gmail: { displayName: "Gmail" } },
    ...options,
  });
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  return { emulator, client };
}

async function linkFor(
  client: ScalekitClient,
  identifier: string,
  extra: { userVerifyUrl?: string; state?: string } = {},
) {
  await client.connectedAccounts.getOrCreateConnectedAccount({ connector: "gmail", identifier });
  const { link } = await client.connectedAccounts.getMagicLinkForConnectedAccount({
    connector: "gmail",
    identifier,
    ...extra,
  });
  return link;
}

async function formToken(link: string): Promise<string> {
  const html = await (await fetch(link)).text();
  const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1];
  if (token === undefined) throw new Error("no form token on the page");
  return token;
}

function post(link: string, headers: Record<string, string>, body: string) {
  return fetch(link, { method: "POST", headers, body, redirect: "manual" });
}

const FORM = "application/x-www-form-urlencoded";

describe("the consent form refuses posts that do not come from its own page", () => {
  it("a text/plain POST from another origin does not connect the account", async () => {
    const { emulator, client } = await start();
    const link = await linkFor(client, "alice");
    const token = await formToken(link);

    // What a page on another site can send without CORS: a "simple" request.
    const forged = await post(
      link,
      { origin: "https://evil.example", "content-type": "text/plain" },
      `decision=allow&form_token=${token}`,
    );
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/Cross-origin request refused/);
    // The same as a classic auto-submitting form from another site.
    const form = await post(
      link,
      { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": FORM },
      `decision=allow&form_token=${token}`,
    );
    expect(form.status).toBe(403);
    // Sec-Fetch-Site alone is enough, and "same-site" (another port on the same host) is not the page.
    expect(
      (await post(link, { "sec-fetch-site": "cross-site", "content-type": FORM }, "decision=allow")).status,
    ).toBe(403);
    expect(
      (await post(link, { "sec-fetch-site": "same-site", "content-type": FORM }, "decision=allow")).status,
    ).toBe(403);
    const otherPort = new URL(link);
    otherPort.port = String(Number(otherPort.port) === 65535 ? 1 : Number(otherPort.port) + 1);
    expect(
      (await post(link, { origin: otherPort.origin, "content-type": FORM }, "decision=allow")).status,
    ).toBe(403);
    expect((await post(link, { origin: "null", "content-type": FORM }, "decision=allow")).status).toBe(403);
    // A non-form body is refused even without browser headers.
    expect((await post(link, { "content-type": "text/plain" }, "decision=allow")).status).toBe(415);
    // A wrong form token is refused.
    expect((await post(link, { "content-type": FORM }, "decision=allow&form_token=guess")).status).toBe(403);

    expect(emulator.getAccount("alice", "gmail")?.status).toBe("PENDING_AUTH");
    expect(emulator.listLinks("alice", "gmail")[0]?.used).toBe(false);

    // The page itself (same origin, its token) still works, also when opened via localhost.
    const viaLocalhost = new URL(link);
    viaLocalhost.hostname = "localhost";
    const ok = await post(
      link,
      { origin: viaLocalhost.origin, "sec-fetch-site": "same-origin", "content-type": FORM },
      `decision=allow&form_token=${token}`,
    );
    expect(ok.status).toBe(200);
    expect(emulator.getAccount("alice", "gmail")?.status).toBe("ACTIVE");
  });

  it("with requireConsentFormToken, a post without the page's token is refused; consent() still works", async () => {
    const { emulator, client } = await start({ requireConsentFormToken: true });
    const link = await linkFor(client, "bob");
    const bare = await post(link, { "content-type": FORM }, "decision=allow");
    expect(bare.status).toBe(403);
    expect(await bare.text()).toMatch(/form token is missing/);
    expect(emulator.getAccount("bob", "gmail")?.status).toBe("PENDING_AUTH");

    const answered = await consent(link);
    expect(await answered.text()).toContain("is now connected");
    expect(emulator.getAccount("bob", "gmail")?.status).toBe("ACTIVE");
  });

  it("accepts a browser's own post that carries Origin: null with Sec-Fetch-Site: same-origin", async () => {
    const { emulator, client } = await start();
    const link = await linkFor(client, "hal");
    const token = await formToken(link);
    const answered = await post(
      link,
      { origin: "null", "sec-fetch-site": "same-origin", "content-type": FORM },
      `decision=allow&form_token=${token}`,
    );
    expect(answered.status).toBe(200);
    expect(emulator.getAccount("hal", "gmail")?.status).toBe("ACTIVE");
  });

  it("serves the page with a CSP that lets the form post only to its own origin", async () => {
    const { client } = await start();
    const response = await fetch(await linkFor(client, "csp"));
    expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    // The link is a secret: no referrer to other origins, yet the form's own post keeps its Origin.
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
  });
});

describe("magic link lifecycle on the hosted page", () => {
  it("a new link replaces the account's older unused ones", async () => {
    const { emulator, client } = await start();
    const first = await linkFor(client, "carol");
    const second = await linkFor(client, "carol");

    const replaced = await fetch(first);
    expect(replaced.status).toBe(410);
    expect(await replaced.text()).toContain("This link was replaced by a newer one");
    await expect(consent(first)).rejects.toThrow(/410/);
    expect(emulator.listLinks("carol", "gmail").map((l) => [l.used, l.replaced])).toEqual([
      [false, true],
      [false, false],
    ]);

    await consent(second);
    expect(emulator.getAccount("carol", "gmail")?.status).toBe("ACTIVE");
    // Once connected, the old links say so instead of asking for a new one.
    for (const link of [first, second]) {
      const page = await fetch(link);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Already connected — go back to the app");
      expect(html).not.toMatch(/ask the agent for a new link/i);
      expect(html).not.toContain("<form");
    }
  });

  it("a used link of an account that is not connected still asks for a new link", async () => {
    const { client } = await start();
    const link = await linkFor(client, "dan");
    await consent(link, "deny");
    const page = await fetch(link);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toMatch(/already used/i);
    expect(html).toMatch(/ask the agent for a new link/i);
  });

  it("Allow with a user_verify_url redirects to it with auth_request_id and state; PENDING_VERIFICATION until verified", async () => {
    const { client } = await start();
    const link = await linkFor(client, "erin", {
      userVerifyUrl: "https://app.example/verify?from=sk",
      state: "s-123",
    });
    const token = await formToken(link);
    const allowed = await post(
      link,
      { origin: new URL(link).origin, "sec-fetch-site": "same-origin", "content-type": FORM },
      `decision=allow&form_token=${token}`,
    );
    expect(allowed.status).toBe(303);
    const location = new URL(allowed.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://app.example/verify");
    expect(location.searchParams.get("from")).toBe("sk");
    expect(location.searchParams.get("state")).toBe("s-123");
    const authRequestId = location.searchParams.get("auth_request_id")!;
    expect(authRequestId).toMatch(/^req_/);

    const read = () =>
      client.connectedAccounts.getConnectedAccountByIdentifier({ connector: "gmail", identifier: "erin" });
    expect((await read()).connectedAccount?.status).toBe(ConnectorStatus.PENDING_VERIFICATION);
    const verified = await client.connectedAccounts.verifyConnectedAccountUser({
      authRequestId,
      identifier: "erin",
    });
    expect(verified.postUserVerifyRedirectUrl).toMatch(/\/connected\?connection=gmail$/);
    expect((await read()).connectedAccount?.status).toBe(ConnectorStatus.ACTIVE);
  });
});

describe.skipIf(!chromiumAvailable())("in a real browser (Chromium)", () => {
  it("a page on another origin cannot consent for the user; the user's own click can", async () => {
    const { emulator, client } = await start();
    const link = await linkFor(client, "gus");
    const token = await formToken(link);
    // An attacker who holds the link (and fetched its token) auto-submits forms from their page.
    const attacker = http.createServer((request, response) => {
      const enctype = request.url === "/plain" ? "text/plain" : "application/x-www-form-urlencoded";
      response.setHeader("content-type", "text/html");
      response.end(`<!doctype html><form method="post" action="${link}" enctype="${enctype}">
        <input name="decision" value="allow"><input name="form_token" value="${token}"></form>
        <script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      for (const path of ["/plain", "/form"]) {
        await Promise.all([page.waitForURL(link), page.goto(`${attackerUrl}${path}`)]);
        expect(await page.locator("h1").textContent()).toBe("Request refused");
      }
      expect(emulator.getAccount("gus", "gmail")?.status).toBe("PENDING_AUTH");

      // The user opens the link via localhost and clicks Allow.
      const viaLocalhost = new URL(link);
      viaLocalhost.hostname = "localhost";
      await page.goto(viaLocalhost.toString());
      await Promise.all([
        page.waitForURL(viaLocalhost.toString()),
        page.getByRole("button", { name: "Allow" }).click(),
      ]);
      expect(await page.locator("h1").textContent()).toBe("Connected");
      expect(emulator.getAccount("gus", "gmail")?.status).toBe("ACTIVE");
    } finally {
      await browser.close();
      attacker.close();
    }
  });
});
