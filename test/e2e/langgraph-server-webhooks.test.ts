/**
 * Scalekit's webhooks reaching LangGraph's server over HTTP, as they do from a real Scalekit
 * environment: `POST /delegate/webhooks/scalekit` (the `http.app` of langgraph.json). The sandbox
 * started here stands in for Scalekit: it signs each connected-account event with the secret the
 * server is given as SCALEKIT_WEBHOOK_SECRET and posts it to the route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../../src/sandbox/scalekit/webhooks.js";
import { generateWebhookSecret, signWebhook } from "../../src/sandbox/scalekit/webhooks.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { externalSandboxEnv } from "../helpers/sandbox-env.js";
import {
  client,
  collect,
  errorsOf,
  interruptsOf,
  messagesOf,
  type RunningServer,
  type StreamChunk,
  startLangGraphServer,
  text,
  userMessage,
} from "./langgraph-server-harness.js";

const TOKEN = "tok-dana-0b8e";
const ONE_MB = 1024 * 1024;

let sandbox: Sandbox;
let server: RunningServer | undefined;
let webhookUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "Europe/Berlin" });
  server = await startLangGraphServer(
    {
      ...externalSandboxEnv(sandbox),
      SCALEKIT_WEBHOOK_SECRET: sandbox.webhookSecret,
      DELEGATE_SERVER_TOKENS: `${TOKEN}=dana`,
      DELEGATE_TIMEZONE: "Europe/Berlin",
      // Plain links: user verification on the server is user-verification-server.test.ts's.
      DELEGATE_VERIFY: "off",
    },
    { http: true },
  );
  webhookUrl = `${server.apiUrl}/delegate/webhooks/scalekit`;
  sandbox.scalekit.addWebhookUrl(webhookUrl);
});

afterAll(async () => {
  await server?.stop();
  await sandbox?.close();
});

/** Resolves with the next delivery to the server's route that settles after this call. */
function nextDelivery(): Promise<WebhookDelivery> {
  return new Promise((resolve) => {
    const stop = sandbox.scalekit.onWebhook((delivery) => {
      if (delivery.url !== webhookUrl) return;
      stop();
      resolve(delivery);
    });
  });
}

/** A connected-account event as Scalekit sends it, signed with `secret`. */
function signedEvent(secret: string, body: string): { headers: Record<string, string>; body: string } {
  const id = `evt_${Math.random().toString(36).slice(2)}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(secret, id, timestamp, body),
    },
    body,
  };
}

const statusEvent = (status: string) =>
  JSON.stringify({
    id: "evt_manual",
    type: "connected_account.status_updated",
    data: { identifier: "dana", connection_name: "gmail", status },
  });

describe("POST /delegate/webhooks/scalekit on the LangGraph server", () => {
  const dana = () => client(server!.apiUrl, TOKEN);

  it("accepts Scalekit's signed webhooks without a bearer token, and a revocation drops the cached status", async () => {
    const connected = nextDelivery();
    await sandbox.controls.approve({ userId: "dana" }, "gmail");
    expect((await connected).status).toBe(200);

    const thread = (await dana().threads.create()).thread_id;
    const ask = async () =>
      collect(
        dana().runs.stream(thread, "delegate", {
          input: userMessage("show my unread email"),
          streamMode: ["updates"],
        }) as AsyncIterable<StreamChunk>,
      );
    const read = await ask();
    expect(errorsOf(read)).toEqual([]);
    expect(interruptsOf(read)).toEqual([]);
    expect(text((await messagesOf(dana(), thread)).at(-1))).toContain("Q3 vendor contract");

    // Dana revokes Delegate's access: Scalekit tells the server, which forgets the ACTIVE status it
    // has cached for a minute, so the gate asks her to reconnect before anything reaches Gmail.
    const revoked = nextDelivery();
    sandbox.controls.revoke({ userId: "dana" }, "gmail");
    expect((await revoked).status).toBe(200);
    const gmailCallsBefore = sandbox.providers.requests.length;
    const again = await ask();
    expect(errorsOf(again)).toEqual([]);
    const [value] = interruptsOf(again);
    expect(value).toMatchObject({ type: "authorization_required" });
    expect(value?.requests.map((request) => request.connection)).toEqual(["gmail"]);
    expect(sandbox.providers.requests.slice(gmailCallsBefore)).toEqual([]);
  });

  it("refuses an unsigned webhook and one signed with another secret (401), naming no bearer token", async () => {
    const unsigned = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: statusEvent("ACTIVE"),
    });
    expect(unsigned.status).toBe(401);
    // The route's own answer, not the auth handler's "send a bearer token" challenge.
    expect(unsigned.headers.get("www-authenticate")).toBeNull();
    expect(await unsigned.json()).toEqual({ message: "bad signature" });

    const forged = signedEvent(generateWebhookSecret(), statusEvent("ACTIVE"));
    const badlySigned = await fetch(webhookUrl, {
      method: "POST",
      headers: forged.headers,
      body: forged.body,
    });
    expect(badlySigned.status).toBe(401);
    expect(await badlySigned.json()).toEqual({ message: "bad signature" });

    // The same event signed with the right secret is taken.
    const genuine = signedEvent(sandbox.webhookSecret, statusEvent("ACTIVE"));
    const accepted = await fetch(webhookUrl, {
      method: "POST",
      headers: genuine.headers,
      body: genuine.body,
    });
    expect(accepted.status).toBe(200);
  });

  it("refuses a body over 1 MB (413), even a correctly signed one", async () => {
    const padded = JSON.stringify({
      type: "connected_account.status_updated",
      data: { identifier: "dana", connection_name: "gmail", status: "ACTIVE", padding: "x".repeat(ONE_MB) },
    });
    const large = signedEvent(sandbox.webhookSecret, padded);
    const declared = await fetch(webhookUrl, { method: "POST", headers: large.headers, body: large.body });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ message: "webhook body over 1 MB" });

    // Without a Content-Length (chunked), the route stops reading at the limit.
    const chunks = [large.body.slice(0, ONE_MB / 2), large.body.slice(ONE_MB / 2)];
    const streamed = await fetch(webhookUrl, {
      method: "POST",
      headers: large.headers,
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });
});
