import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { inspect } from "node:util";
import { Code } from "@connectrpc/connect";
import {
  ScalekitClient,
  ScalekitConflictException,
  ScalekitServiceUnavailableException,
  ScalekitTooManyRequestsException,
} from "@scalekit-sdk/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ScalekitEmulator, startScalekitEmulator } from "../../src/sandbox/scalekit/index.js";

const emulators: ScalekitEmulator[] = [];

afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

/** An emulator and a client that already holds its M2M token, so call counts are exact. */
async function startWarm() {
  const emulator = await startScalekitEmulator();
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  await client.connectedAccounts.listConnectedAccounts({ identifier: "warm-up" });
  emulator.calls.reset();
  return { emulator, client };
}

/** The SDK's sockets (every client socket this process opens), to see when it notices a drop. */
const clientSockets: Socket[] = [];
const trackSocket = (message: unknown) => {
  clientSockets.push((message as { socket: Socket }).socket);
};
beforeAll(() => subscribe("net.client.socket", trackSocket));
afterAll(() => {
  unsubscribe("net.client.socket", trackSocket);
});

/**
 * Drops the emulator's connections and resolves once the client's end of each has closed: by
 * then its HTTP/2 session is closed too, so the next call opens a new connection.
 */
async function dropConnections(emulator: ScalekitEmulator): Promise<void> {
  const port = Number(new URL(emulator.url).port);
  const open = clientSockets.filter((socket) => !socket.destroyed && socket.remotePort === port);
  expect(open.length).toBeGreaterThan(0);
  const closed = open.map((socket) => new Promise((resolve) => socket.once("close", resolve)));
  emulator.dropConnections();
  await Promise.all(closed);
}

const list = (client: ScalekitClient) => client.connectedAccounts.listConnectedAccounts({ identifier: "u1" });

describe("Scalekit emulator fault injection", () => {
  it("the SDK retries two Unavailable answers and then succeeds", async () => {
    const { emulator, client } = await startWarm();
    emulator.failNext("ListConnectedAccounts", 2, Code.Unavailable);
    await expect(list(client)).resolves.toMatchObject({ connectedAccounts: [] });
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(3);
    // Faults are per method: other calls are untouched.
    await expect(
      client.connectedAccounts.getMagicLinkForConnectedAccount({ connector: "gmail", identifier: "u1" }),
    ).rejects.toThrow(/connected account not found/);
  });

  it("four Unavailable answers exhaust the retries: ScalekitServiceUnavailableException", async () => {
    const { emulator, client } = await startWarm();
    emulator.failNext("ListConnectedAccounts", 4, Code.Unavailable, "upstream down");
    const error = await list(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitServiceUnavailableException);
    expect((error as Error).message).toContain("upstream down");
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(4);
    await expect(list(client)).resolves.toBeDefined();
  });

  it("ResourceExhausted is surfaced at once, without retry", async () => {
    const { emulator, client } = await startWarm();
    emulator.failNext("*", 1, Code.ResourceExhausted);
    await expect(list(client)).rejects.toBeInstanceOf(ScalekitTooManyRequestsException);
    expect(emulator.calls.count()).toBe(1);
  });

  it("a wrong client secret fails with a 401 from /oauth/token that does not echo the secret", async () => {
    const emulator = await startScalekitEmulator();
    emulators.push(emulator);
    const wrongSecret = "sks_definitely_wrong_secret_4242";
    const client = new ScalekitClient(emulator.url, emulator.clientId, wrongSecret);

    const error = (await list(client).catch((e: unknown) => e)) as Error & {
      response?: { status: number; data: unknown };
    };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/401/);
    expect(error.response?.status).toBe(401);
    expect(error.response?.data).toMatchObject({ error: "invalid_client" });
    for (const rendering of [String(error), error.message, inspect(error, { depth: 6 })]) {
      expect(rendering).not.toContain(wrongSecret);
      expect(rendering).not.toContain(emulator.clientSecret);
    }
    expect(emulator.calls.log.map(({ method, authorized }) => [method, authorized])).toEqual([
      ["ListConnectedAccounts", false],
      ["OAuthToken", false],
    ]);
  });

  it("a revoked M2M token is replaced transparently", async () => {
    const { emulator, client } = await startWarm();
    emulator.revokeClientTokens();
    await expect(list(client)).resolves.toBeDefined();
    expect(emulator.calls.log.map(({ method }) => method)).toEqual([
      "ListConnectedAccounts",
      "OAuthToken",
      "ListConnectedAccounts",
    ]);
  });

  it("a failing token endpoint surfaces its HTTP status", async () => {
    const emulator = await startScalekitEmulator();
    emulators.push(emulator);
    const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
    emulator.failNext("OAuthToken", 1, Code.Unavailable);
    const error = (await list(client).catch((e: unknown) => e)) as { response?: { status: number } };
    expect(error.response?.status).toBe(503);
    await expect(list(client)).resolves.toBeDefined();
  });

  it("adds latency to one method only", async () => {
    const { emulator, client } = await startWarm();
    emulator.setLatency(300, "ListConnectedAccounts");
    let started = performance.now();
    await list(client);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    started = performance.now();
    await expect(
      client.connectedAccounts.getConnectedAccountByIdentifier({ connector: "gmail", identifier: "u1" }),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(250);

    emulator.setLatency(0, "ListConnectedAccounts");
    started = performance.now();
    await list(client);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it("after dropped connections the SDK reconnects", async () => {
    const { emulator, client } = await startWarm();
    await dropConnections(emulator);
    await expect(list(client)).resolves.toBeDefined();
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(1);
  });

  it("a reset connection surfaces as the SDK's [aborted] ScalekitConflictException, without retry", async () => {
    const { emulator, client } = await startWarm();
    emulator.resetNextConnections(1);
    await dropConnections(emulator);
    const error = await list(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitConflictException);
    expect((error as Error).message).toMatch(/ECONNRESET/);
    expect(emulator.calls.count()).toBe(0);
    await expect(list(client)).resolves.toBeDefined();
    expect(emulator.calls.count("ListConnectedAccounts")).toBe(1);
  });
});
