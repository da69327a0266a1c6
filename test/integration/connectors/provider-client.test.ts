import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ProviderClient } from "../../../src/connectors/provider-client.js";
import { isDelegateError } from "../../../src/errors.js";
import { createGmailEmulator, GMAIL_SCOPES } from "../../../src/sandbox/providers/gmail-emulator.js";
import { type ProviderServer, startProviderServer } from "../../../src/sandbox/providers/provider-server.js";
import type { TokenGrant } from "../../../src/sandbox/token-grants.js";

const TOKEN = "test-token-provider-client";
let server: ProviderServer;
beforeAll(async () => {
  const grants = new Map<string, TokenGrant>([
    [
      TOKEN,
      {
        identifier: "pc-user",
        connection: "gmail",
        scopes: Object.values(GMAIL_SCOPES),
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    ],
  ]);
  server = await startProviderServer({
    tokens: { verify: (token) => grants.get(token) },
    emulators: [createGmailEmulator()],
  });
});
afterAll(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const client = (sideEffect: boolean) =>
  new ProviderClient({
    connector: "gmail",
    baseUrl: server.url,
    accessToken: TOKEN,
    sideEffect,
    retry: { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 5 },
  });
const draft = {
  method: "POST" as const,
  path: "/gmail/v1/users/me/drafts",
  body: { message: { raw: "VG86IGFAZXhhbXBsZS5jb20NCg0KaGk" } },
};

describe("ProviderClient retries", () => {
  it("retries a read on 500 until it succeeds", async () => {
    server.failNext("/gmail/v1/users/me/messages", 2, {
      status: 500,
      body: { error: { code: 500, message: "Backend Error" } },
    });
    const result = await client(false).request<{ messages?: unknown[] }>({
      path: "/gmail/v1/users/me/messages",
    });
    expect(result.messages?.length).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry a write on 500: it may have happened, and the error says so", async () => {
    server.failNext("/gmail/v1/users/me/drafts", 1, {
      status: 500,
      body: { error: { code: 500, message: "Backend Error" } },
    });
    const error = await client(true)
      .request(draft)
      .catch((e: unknown) => e);
    expect(isDelegateError(error, "PROVIDER_ERROR")).toBe(true);
    expect((error as Error).message).toContain("may or may not have been applied");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a write on 503 and 429, which mean the provider did not act", async () => {
    server.failNext("/gmail/v1/users/me/drafts", 1, {
      status: 503,
      body: { error: { code: 503, message: "Unavailable" } },
    });
    server.failNext("/gmail/v1/users/me/drafts", 1, {
      status: 429,
      headers: { "retry-after": "0" },
      body: { error: { code: 429, message: "Slow down" } },
    });
    await client(true).request(draft);
    expect(server.requests.map((r) => r.status)).toEqual([503, 429, 200]);
  });
});
