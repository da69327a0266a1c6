import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  ScalekitClient,
  ScalekitForbiddenException,
  ScalekitNotFoundException,
  ScalekitToolRateLimitException,
  ScalekitToolUnauthorizedException,
  WebhookVerificationError,
} from "@scalekit-sdk/node";
import {
  type ConnectedAccount,
  ConnectorStatus,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type HostedTool,
  HostedToolError,
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
} from "../../src/sandbox/scalekit/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

const GMAIL_SCOPES = [
  "https://www.googleapis.com/auth/gmail.readonly",
  "https://www.googleapis.com/auth/gmail.send",
];

const emulators: ScalekitEmulator[] = [];
const receivers: WebhookReceiver[] = [];

afterEach(async () => {
  await Promise.all([
    ...emulators.splice(0).map((e) => e.close()),
    ...receivers.splice(0).map((r) => r.close()),
  ]);
});

async function start(options: ScalekitEmulatorOptions = {}) {
  const emulator = await startScalekitEmulator({
    connections: {
      gmail: { displayName: "Gmail", provider: "GMAIL", scopes: GMAIL_SCOPES },
      slack: { displayName: "Slack", scopes: ["chat:write"] },
    },
    ...options,
  });
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  return { emulator, client };
}

/** A clock the test moves by hand. */
function manualClock() {
  let time = Date.now();
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

function oauthToken(account: ConnectedAccount | undefined) {
  const details = account?.authorizationDetails?.details;
  return details?.case === "oauthToken" ? details.value : undefined;
}

async function getAccount(client: ScalekitClient, identifier: string, connector = "gmail") {
  const response = await client.connectedAccounts.getConnectedAccountByIdentifier({ connector, identifier });
  return response.connectedAccount;
}

async function createPending(client: ScalekitClient, identifier: string, connector = "gmail") {
  const response = await client.connectedAccounts.getOrCreateConnectedAccount({ connector, identifier });
  return response.connectedAccount;
}

async function magicLink(client: ScalekitClient, identifier: string, connector = "gmail") {
  return client.connectedAccounts.getMagicLinkForConnectedAccount({ connector, identifier });
}

function decide(link: string, decision: "allow" | "deny") {
  return fetch(link, { method: "POST", body: new URLSearchParams({ decision }) });
}

describe("Scalekit emulator with the real ScalekitClient", () => {
  it("runs the whole consent lifecycle: PENDING_AUTH → magic link → Allow → ACTIVE with a verifiable token", async () => {
    const { emulator, client } = await start();

    const created = await createPending(client, "alice@example.com");
    expect(created?.status).toBe(ConnectorStatus.PENDING_AUTH);
    expect(created?.status).toBe(3);
    expect(created?.id).toMatch(/^ca_/);
    expect(created?.connector).toBe("gmail");
    expect(oauthToken(created)).toBeUndefined();

    const { link, expiry } = await magicLink(client, "alice@example.com");
    expect(link.startsWith(`${emulator.url}/magicLink/`)).toBe(true);
    const expiresAt = timestampDate(expiry!).getTime();
    expect(expiresAt - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(10 * 60_000);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("<title>Connect Gmail — Delegate sandbox</title>");
    expect(html).toContain("alice@example.com");
    for (const scope of GMAIL_SCOPES) expect(html).toContain(scope);
    // The form posts back to the link's own path (same origin as the page) with its per-link token.
    expect(html).toContain(`<form method="post" action="${new URL(link).pathname}">`);
    expect(html).toMatch(/<input type="hidden" name="form_token" value="[\w-]{20,}">/);
    expect(html).toMatch(/<button[^>]*id="allow"[^>]*name="decision"[^>]*value="allow"/);
    expect(html).toMatch(/<button[^>]*id="deny"[^>]*name="decision"[^>]*value="deny"/);
    expect(html).not.toMatch(/<script|<link|src=/);

    const allowed = await decide(link, "allow");
    expect(allowed.status).toBe(200);
    const done = await allowed.text();
    expect(done).toContain("Connected");
    expect(done).toMatch(/you can close this tab/i);

    const active = await getAccount(client, "alice@example.com");
    expect(active?.status).toBe(ConnectorStatus.ACTIVE);
    const token = oauthToken(active);
    expect(token?.accessToken).toMatch(/^sbx_at_/);
    expect(token?.refreshToken).toMatch(/^sbx_rt_/);
    expect(token?.scopes).toEqual(GMAIL_SCOPES);
    const tokenExpiresAt = timestampDate(active!.tokenExpiresAt!).getTime();
    expect(tokenExpiresAt - Date.now()).toBeGreaterThan(59 * 60_000);

    const grant = emulator.tokens.verify(token!.accessToken);
    expect(grant).toMatchObject({
      identifier: "alice@example.com",
      connection: "gmail",
      scopes: GMAIL_SCOPES,
    });
    expect(emulator.tokens.verify(token!.refreshToken)).toBeUndefined();
    expect(emulator.getAccount("alice@example.com", "gmail")?.status).toBe("ACTIVE");
  });

  it("sends the first call without a bearer, fetches /oauth/token on Unauthenticated, then retries", async () => {
    const { emulator, client } = await start();
    await expect(getAccount(client, "nobody")).rejects.toBeInstanceOf(ScalekitNotFoundException);
    expect(emulator.calls.log.map(({ method, authorized }) => [method, authorized])).toEqual([
      ["GetConnectedAccountAuth", false],
      ["OAuthToken", true],
      ["GetConnectedAccountAuth", true],
    ]);

    emulator.calls.reset();
    await client.connectedAccounts.listConnectedAccounts({ identifier: "nobody" });
    expect(emulator.calls.count()).toBe(1);
    expect(emulator.calls.count("OAuthToken")).toBe(0);
  });

  it("serves Connect-JSON over HTTP/1.1 on the same port and still demands the bearer", async () => {
    const { emulator } = await start();
    const response = await fetch(
      `${emulator.url}/scalekit.v1.connected_accounts.ConnectedAccountService/ListConnectedAccounts`,
      { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "unauthenticated" });
    expect(emulator.calls.log).toEqual([
      expect.objectContaining({ method: "ListConnectedAccounts", authorized: false }),
    ]);
  });

  it("Deny leaves the account pending, and a used link answers 410", async () => {
    const { emulator, client } = await start();
    await createPending(client, "bob");
    const { link } = await magicLink(client, "bob");

    const denied = await decide(link, "deny");
    expect(denied.status).toBe(200);
    expect(await denied.text()).toMatch(/denied access/i);
    expect((await getAccount(client, "bob"))?.status).toBe(ConnectorStatus.PENDING_AUTH);

    const reopened = await fetch(link);
    expect(reopened.status).toBe(410);
    const html = await reopened.text();
    expect(html).toMatch(/already used/i);
    expect(html).toMatch(/ask the agent for a new link/i);
    expect((await decide(link, "allow")).status).toBe(410);
    expect((await getAccount(client, "bob"))?.status).toBe(ConnectorStatus.PENDING_AUTH);
    expect(emulator.listLinks("bob", "gmail")).toEqual([
      { url: link, expiresAt: expect.any(Date), used: true, replaced: false },
    ]);
  });

  it("expires magic links by the clock and on demand; a fresh link still works", async () => {
    const clock = manualClock();
    const { emulator, client } = await start({ now: clock.now, linkTtlMs: 60_000 });
    await createPending(client, "carol");

    const first = await magicLink(client, "carol");
    clock.advance(60_001);
    const expired = await fetch(first.link);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toMatch(/expired/i);
    expect((await decide(first.link, "allow")).status).toBe(410);

    const second = await magicLink(client, "carol");
    emulator.expireLinks("carol", "gmail");
    expect((await fetch(second.link)).status).toBe(410);

    const third = await magicLink(client, "carol");
    expect((await decide(third.link, "allow")).status).toBe(200);
    expect((await getAccount(client, "carol"))?.status).toBe(ConnectorStatus.ACTIVE);
    expect(emulator.listLinks("carol", "gmail").map((l) => l.used)).toEqual([false, false, true]);
  });

  it("escapes interpolated values on the consent page", async () => {
    const { client } = await start();
    const identifier = `<script>alert("x")</script>&'`;
    await createPending(client, identifier);
    const html = await (await fetch((await magicLink(client, identifier)).link)).text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
  });

  it("refreshes a lapsed access token on GetConnectedAccountAuth; the old token stops verifying", async () => {
    const clock = manualClock();
    const { emulator, client } = await start({ now: clock.now, accessTokenTtlMs: 30 * 60_000 });
    await emulator.approve("dave", "gmail");
    const first = oauthToken(await getAccount(client, "dave"))!.accessToken;
    expect(emulator.tokens.verify(first)).toBeDefined();

    clock.advance(30 * 60_000 + 1);
    expect(emulator.tokens.verify(first)).toBeUndefined();
    const refreshed = await getAccount(client, "dave");
    const second = oauthToken(refreshed)!.accessToken;
    expect(refreshed?.status).toBe(ConnectorStatus.ACTIVE);
    expect(second).not.toBe(first);
    expect(emulator.tokens.verify(second)).toBeDefined();
    expect(emulator.tokens.verify(first)).toBeUndefined();
    expect(timestampDate(refreshed!.tokenExpiresAt!).getTime()).toBe(clock.now() + 30 * 60_000);

    emulator.expireAccessToken("dave", "gmail");
    expect(emulator.tokens.verify(second)).toBeUndefined();
    const third = oauthToken(await getAccount(client, "dave"))!.accessToken;
    expect(third).not.toBe(second);
    expect(emulator.tokens.verify(third)).toBeDefined();
  });

  it("revokes (DISCONNECTED) and expires (EXPIRED) accounts, invalidating their tokens; consent revives them", async () => {
    const { emulator, client } = await start();
    await emulator.approve("erin", "gmail");
    await emulator.approve("erin", "slack");
    const gmailToken = oauthToken(await getAccount(client, "erin"))!.accessToken;
    const slackToken = oauthToken(await getAccount(client, "erin", "slack"))!.accessToken;

    emulator.revokeAccount("erin", "gmail");
    const revoked = await getAccount(client, "erin");
    expect(revoked?.status).toBe(ConnectorStatus.DISCONNECTED);
    expect(oauthToken(revoked)).toBeUndefined();
    expect(emulator.tokens.verify(gmailToken)).toBeUndefined();

    emulator.expireAccount("erin", "slack");
    expect((await getAccount(client, "erin", "slack"))?.status).toBe(ConnectorStatus.EXPIRED);
    expect(emulator.tokens.verify(slackToken)).toBeUndefined();

    const { link } = await magicLink(client, "erin");
    expect((await decide(link, "allow")).status).toBe(200);
    const revived = await getAccount(client, "erin");
    expect(revived?.status).toBe(ConnectorStatus.ACTIVE);
    expect(emulator.tokens.verify(oauthToken(revived)!.accessToken)).toBeDefined();
  });

  it("with a user_verify_url, Allow leads to PENDING_VERIFICATION until VerifyConnectedAccountUser", async () => {
    const { emulator, client } = await start();
    await createPending(client, "mallory");
    const { link } = await client.connectedAccounts.getMagicLinkForConnectedAccount({
      connector: "gmail",
      identifier: "mallory",
      state: "opaque-state",
      userVerifyUrl: "http://app.invalid/verify",
    });
    const allowed = await fetch(link, {
      method: "POST",
      body: new URLSearchParams({ decision: "allow" }),
      redirect: "manual",
    });
    expect(allowed.status).toBe(303);
    const location = new URL(allowed.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("http://app.invalid/verify");
    expect(location.searchParams.get("state")).toBe("opaque-state");
    const authRequestId = location.searchParams.get("auth_request_id")!;
    expect((await getAccount(client, "mallory"))?.status).toBe(ConnectorStatus.PENDING_VERIFICATION);

    await expect(
      client.connectedAccounts.verifyConnectedAccountUser({ authRequestId, identifier: "someone-else" }),
    ).rejects.toBeInstanceOf(ScalekitForbiddenException);
    const verified = await client.connectedAccounts.verifyConnectedAccountUser({
      authRequestId,
      identifier: "mallory",
    });
    const active = await getAccount(client, "mallory");
    expect(active?.status).toBe(ConnectorStatus.ACTIVE);
    expect(emulator.tokens.verify(oauthToken(active)!.accessToken)).toBeDefined();
    const landing = await fetch(verified.postUserVerifyRedirectUrl);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Gmail</strong> is now connected");
    const reused = await client.connectedAccounts
      .verifyConnectedAccountUser({ authRequestId, identifier: "mallory" })
      .catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(ScalekitNotFoundException);
    expect((reused as ScalekitNotFoundException).message).toBe(
      "[not_found] auth request not found or no longer valid",
    );
  });

  it("lists the configured connections through actions.listConnections", async () => {
    const { client } = await start();
    const { connections } = await client.actions.listConnections();
    expect(connections.map((c) => [c.connectionName, c.type, c.enabled])).toEqual([
      ["gmail", "OAUTH", true],
      ["slack", "OAUTH", true],
    ]);
  });

  it("lists accounts filtered by identifier and connection names", async () => {
    const { emulator, client } = await start();
    await emulator.approve("frank", "gmail");
    await createPending(client, "frank", "slack");
    await createPending(client, "grace", "gmail");

    const frank = await client.connectedAccounts.listConnectedAccounts({ identifier: "frank" });
    expect(frank.totalSize).toBe(2);
    expect(Object.fromEntries(frank.connectedAccounts.map((a) => [a.connector, a.status]))).toEqual({
      gmail: ConnectorStatus.ACTIVE,
      slack: ConnectorStatus.PENDING_AUTH,
    });

    const frankSlack = await client.connectedAccounts.listConnectedAccounts({
      identifier: "frank",
      connectionNames: ["slack", "notion"],
    });
    expect(frankSlack.connectedAccounts.map((a) => [a.identifier, a.connector, a.status])).toEqual([
      ["frank", "slack", ConnectorStatus.PENDING_AUTH],
    ]);

    const gmail = await client.connectedAccounts.listConnectedAccounts({ connector: "gmail" });
    expect(gmail.connectedAccounts.map((a) => a.identifier).sort()).toEqual(["frank", "grace"]);
  });

  it("answers NotFound for an unknown connection and for a missing account", async () => {
    const { client } = await start();
    const unknown = await createPending(client, "heidi", "xyz").catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(ScalekitNotFoundException);
    expect((unknown as ScalekitNotFoundException).message).toContain('connection "xyz" not found');
    expect((unknown as ScalekitNotFoundException).errorCode).toBe("CONNECTION_NOT_FOUND");

    const missing = await getAccount(client, "heidi").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ScalekitNotFoundException);
    expect((missing as ScalekitNotFoundException).errorCode).toBe("NOT_FOUND");
    expect((missing as ScalekitNotFoundException).message).toContain("connected account not found");

    await expect(magicLink(client, "heidi", "xyz")).rejects.toBeInstanceOf(ScalekitNotFoundException);
  });

  it("posts Standard-Webhooks-signed status events that the SDK verifies; tampering fails", async () => {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const { emulator, client } = await start({ webhookUrls: [receiver.url] });
    await createPending(client, "ivan");
    await emulator.approve("ivan", "gmail");

    const hook = await receiver.next();
    expect(client.verifyWebhookPayload(emulator.webhookSecret, hook.headers, hook.body)).toBe(true);
    const event = JSON.parse(hook.body);
    expect(event).toMatchObject({
      spec_version: "1",
      type: "connected_account.status_updated",
      environment_id: emulator.environmentId,
      object: "ConnectedAccount",
      data: {
        identifier: "ivan",
        connection_name: "gmail",
        provider: "GMAIL",
        authorization_type: "OAUTH",
        status: "ACTIVE",
        old_status: "PENDING_AUTH",
      },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(event.id).toBe(hook.headers["webhook-id"]);
    expect(event.data.id).toBe(emulator.getAccount("ivan", "gmail")?.id);
    expect(Date.parse(event.data.token_expires_at)).toBeGreaterThan(Date.now());

    const tampered = hook.body.replace('"ACTIVE"', '"EXPIRED"');
    expect(() => client.verifyWebhookPayload(emulator.webhookSecret, hook.headers, tampered)).toThrow(
      WebhookVerificationError,
    );
    expect(() => client.verifyWebhookPayload("whsec_c29tZW90aGVyc2VjcmV0", hook.headers, hook.body)).toThrow(
      WebhookVerificationError,
    );

    await emulator.flushWebhooks();
    expect(emulator.webhookDeliveries).toEqual([
      expect.objectContaining({ url: receiver.url, status: 204, body: hook.body }),
    ]);
  });

  it("delivers to URLs added at run time, and records failed deliveries without throwing", async () => {
    const { emulator } = await start();
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    emulator.addWebhookUrl(receiver.url);
    emulator.addWebhookUrl("http://127.0.0.1:1/unreachable");

    await emulator.approve("judy", "slack");
    emulator.revokeAccount("judy", "slack");
    const statuses = [
      JSON.parse((await receiver.next()).body).data,
      JSON.parse((await receiver.next()).body).data,
    ];
    expect(statuses.map((d) => [d.old_status, d.status])).toEqual([
      ["PENDING_AUTH", "ACTIVE"],
      ["ACTIVE", "DISCONNECTED"],
    ]);

    await emulator.flushWebhooks();
    const failed = emulator.webhookDeliveries.filter((d) => d.url.endsWith("/unreachable"));
    expect(failed).toHaveLength(2);
    expect(failed.every((d) => d.status === undefined && typeof d.error === "string")).toBe(true);
  });

  describe("hosted tools", () => {
    const seen: Array<{ identifier: string; params: Record<string, unknown>; accessToken: string }> = [];
    const fetchMails: HostedTool = {
      definition: {
        name: "gmail_fetch_mails",
        description: "Fetch recent mails",
        input_schema: { type: "object", properties: { query: { type: "string" } } },
        annotations: { read_only_hint: true },
      },
      connection: "gmail",
      provider: "GMAIL",
      async execute(call) {
        seen.push(call);
        if (call.params.query === "rate-limit") {
          throw new HostedToolError(Code.ResourceExhausted, "RATE_LIMITED", "provider says slow down");
        }
        return { messages: [{ id: "m1", subject: `about ${String(call.params.query)}` }] };
      },
    };

    it("lists scoped tools for ACTIVE accounts and executes them with the user's live token", async () => {
      const { emulator, client } = await start({ hostedTools: [fetchMails] });
      await emulator.approve("ken", "gmail");

      const listed = await client.tools.listTools();
      expect(listed.tools.map((t) => t.definition?.name)).toEqual(["gmail_fetch_mails"]);
      // tool_names only with summary=true (ListToolsResponse field 4), and then no full tools.
      expect(listed.toolNames).toEqual([]);
      const summary = await client.tools.listTools({ filter: { summary: true } });
      expect(summary).toMatchObject({ toolNames: ["gmail_fetch_mails"], tools: [], totalSize: 1 });
      const scoped = await client.tools.listScopedTools("ken", { filter: { connectionNames: ["gmail"] } });
      expect(scoped.tools.map((t) => t.tool?.definition?.name)).toEqual(["gmail_fetch_mails"]);
      expect(scoped.tools[0]?.tool?.definition?.input_schema).toEqual(fetchMails.definition.input_schema);
      expect(scoped.tools[0]?.connectedAccountId).toBe(emulator.getAccount("ken", "gmail")?.id);
      const nobody = await client.tools.listScopedTools("nobody", { filter: {} });
      expect(nobody.tools).toEqual([]);

      const result = await client.tools.executeTool({
        toolName: "gmail_fetch_mails",
        identifier: "ken",
        params: { query: "invoices" },
      });
      expect(result.executionId).toMatch(/^exec_/);
      expect(result.data).toEqual({ messages: [{ id: "m1", subject: "about invoices" }] });
      const call = seen.at(-1)!;
      expect(call).toMatchObject({ identifier: "ken", params: { query: "invoices" } });
      expect(emulator.tokens.verify(call.accessToken)?.identifier).toBe("ken");

      const limited = await client.tools
        .executeTool({ toolName: "gmail_fetch_mails", identifier: "ken", params: { query: "rate-limit" } })
        .catch((error: unknown) => error);
      expect(limited).toBeInstanceOf(ScalekitToolRateLimitException);
      expect((limited as ScalekitToolRateLimitException).toolErrorCode).toBe("RATE_LIMITED");
    });

    it("raises ScalekitToolUnauthorizedException once the account is revoked, NotFound for unknown tools and users", async () => {
      const { emulator, client } = await start();
      emulator.setHostedTools({ gmail_fetch_mails: fetchMails });
      await emulator.approve("liz", "gmail");
      await getAccount(client, "liz"); // fetches the M2M token, so the count below is the tool call alone
      emulator.revokeAccount("liz", "gmail");
      emulator.calls.reset();
      const calls = seen.length;

      const revoked = await client.tools
        .executeTool({ toolName: "gmail_fetch_mails", identifier: "liz", params: {} })
        .catch((error: unknown) => error);
      expect(revoked).toBeInstanceOf(ScalekitToolUnauthorizedException);
      expect((revoked as ScalekitToolUnauthorizedException).toolErrorCode).toBe("UNAUTHORIZED");
      expect((revoked as ScalekitToolUnauthorizedException).executionId).toMatch(/^exec_/);
      expect(seen.length).toBe(calls);
      // A tool error is surfaced at once: no token refresh, no retry.
      expect(emulator.calls.count("ExecuteTool")).toBe(1);

      await expect(
        client.tools.executeTool({ toolName: "gmail_nope", identifier: "liz", params: {} }),
      ).rejects.toBeInstanceOf(ScalekitNotFoundException);
      await expect(
        client.tools.executeTool({ toolName: "gmail_fetch_mails", identifier: "stranger", params: {} }),
      ).rejects.toBeInstanceOf(ScalekitNotFoundException);
    });
  });

  it("closes in well under two seconds with the SDK's HTTP/2 session still open", async () => {
    const emulator = await startScalekitEmulator();
    const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
    await client.connectedAccounts.listConnectedAccounts({ identifier: "x" });
    const started = performance.now();
    await emulator.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(fetch(`${emulator.url}/health`)).rejects.toThrow();
  });
});
