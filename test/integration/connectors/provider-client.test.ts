import { type AddressInfo, createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ProviderClient } from "../../../src/connectors/provider-client.js";
import { isDelegateError } from "../../../src/errors.js";
import { createGmailEmulator, GMAIL_SCOPES } from "../../../src/sandbox/providers/gmail/gmail-emulator.js";
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

describe("ProviderClient error messages", () => {
  const INTERNAL = "Backend Error in /srv/gmail/internal/drafts.go:88 (shard gm-7)";
  const failure = async (sideEffect: boolean, request: Parameters<ProviderClient["request"]>[0]) => {
    const error = await client(sideEffect)
      .request(request)
      .catch((e: unknown) => e);
    expect(isDelegateError(error)).toBe(true);
    return error as Error & { code: string; details: Record<string, unknown>; cause?: unknown };
  };

  it("gives the status and what to do for a 5xx, never its body, and keeps the body in the cause", async () => {
    // The first attempt and its three retries.
    server.failNext("/gmail/v1/users/me/messages", 4, {
      status: 500,
      body: { error: { code: 500, message: INTERNAL } },
    });
    const error = await failure(false, { path: "/gmail/v1/users/me/messages" });
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.message).toBe("Gmail is unavailable right now (HTTP 500). Try again in a few minutes.");
    expect(JSON.stringify(error)).not.toContain("/srv/");
    expect(String((error.cause as Error).message)).toContain(INTERNAL);
    expect(server.requests).toHaveLength(4);
  });

  it("leaves out a raw (non-JSON) body and a client error's message that reads like a dump", async () => {
    server.failNext("/gmail/v1/users/me/messages", 1, {
      status: 400,
      body: "<html><body>Bad Request: /var/www/app/handler.php line 12</body></html>",
    });
    const raw = await failure(false, { path: "/gmail/v1/users/me/messages" });
    expect(raw.message).toBe("Gmail refused the request (HTTP 400). Check the arguments and try again.");
    server.failNext("/gmail/v1/users/me/messages", 1, {
      status: 400,
      body: { error: { code: 400, message: "NullPointerException at com.google.Api.handle(Api.java:41)" } },
    });
    const dump = await failure(false, { path: "/gmail/v1/users/me/messages" });
    expect(dump.message).toBe("Gmail refused the request (HTTP 400). Check the arguments and try again.");
  });

  it("keeps a client error's own message when it reads like one, so the model can fix the call", async () => {
    server.failNext("/gmail/v1/users/me/messages", 1, {
      status: 400,
      body: { error: { code: 400, message: "Invalid value for max_results: 900" } },
    });
    const error = await failure(false, { path: "/gmail/v1/users/me/messages" });
    expect(error.message).toBe(
      "Gmail refused the request (HTTP 400): Invalid value for max_results: 900. Check the arguments and try again.",
    );
  });

  it("names a network failure by its code and never echoes the token", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const offline = new ProviderClient({
      connector: "gmail",
      baseUrl: `http://127.0.0.1:${port}`,
      accessToken: TOKEN,
      retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1 },
    });
    const error = (await offline.request({ path: "/x" }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe("Gmail could not be reached (ECONNREFUSED). Try again in a few minutes.");
    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain(TOKEN);
  });
});
