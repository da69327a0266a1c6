import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../../src/logger.js";
import { type AgentRuntime, createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { postgresBin, startPostgres } from "../../helpers/postgres.js";
import { collect, consent, ofType, waitFor } from "../../helpers/sandbox-runtime.js";

/**
 * A provider that rejects a token Scalekit still calls ACTIVE: the thread waits with the
 * rejected token's fingerprint in its pending row. Whichever process looks at the row next — the
 * same runtime after a restart, or another replica — must keep waiting while Scalekit hands out
 * that same token, and resume exactly once after the person consents again (a new token).
 */

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const GMAIL_MESSAGES = "/gmail/v1/users/me/messages";

/** Debug lines of one runtime's watcher that saw every connection of the wait ACTIVE. */
function watcherLog(): { logger: Logger; activeChecks: () => number } {
  let activeChecks = 0;
  const logger: Logger = {
    error() {},
    warn() {},
    info() {},
    debug(object, message) {
      const statuses = (object as { statuses?: Record<string, string> }).statuses ?? {};
      if (message === "watcher: checked" && statuses.gmail === "ACTIVE") activeChecks += 1;
    },
  };
  return { logger, activeChecks: () => activeChecks };
}

function runtimeOn(
  sandbox: Sandbox,
  databaseUrl: string,
  events: RuntimeEvent[],
  initialIntervalMs: number,
  logger?: Logger,
  budgetPerSecond = 200,
): Promise<AgentRuntime> {
  return createAgentRuntime({
    model: new DemoChatModel({ timeZone: "UTC" }),
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    webhookSecret: sandbox.webhookSecret,
    databaseUrl,
    timeZone: "UTC",
    // Until a webhook arrives the event feed is read every `initialIntervalMs`: the budget must
    // leave calls for the due checks (the default of 10 a second would all go to the feed).
    poll: { initialIntervalMs, maxIntervalMs: initialIntervalMs, backoff: 1, budgetPerSecond },
    onEvent: (event) => events.push(event),
    ...(logger ? { logger } : {}),
  });
}

/**
 * Connects the user's Gmail, revokes the token at Gmail only (Scalekit keeps calling the account
 * ACTIVE and keeps handing out the token), and sends a message that searches the mailbox: the
 * search is refused, and the thread waits for a reconnection. Returns the reconnect link.
 */
async function pauseOnRejectedToken(
  sandbox: Sandbox,
  runtime: AgentRuntime,
  userId: string,
  threadId: string,
): Promise<string> {
  await sandbox.controls.approve({ userId }, "gmail");
  sandbox.controls.revokeAtProvider({ userId }, "gmail");
  const events = await collect(
    runtime.send({ userId, threadId, text: "show my unread email", waitForAuthorization: false }),
  );
  const required = ofType(events, "authorization-required");
  expect(required).toHaveLength(1);
  expect(required[0]?.reason).toBe("token_rejected");
  expect(sandbox.controls.status({ userId }, "gmail")).toBe("ACTIVE");
  const refused = sandbox.providers.requests.filter((r) => r.path.startsWith(GMAIL_MESSAGES));
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((r) => r.status === 401)).toBe(true);
  const url = required[0]?.requests[0]?.url;
  expect(url).toBeTruthy();
  return url as string;
}

/**
 * Waits until the watcher has seen the account ACTIVE and checked Scalekit's token at least
 * twice more, then checks that nothing ran: no provider request (the only token Scalekit hands
 * out is the rejected one), no announcement, no turn end, and the thread still waits.
 */
async function expectStillWaiting(
  sandbox: Sandbox,
  runtime: AgentRuntime,
  events: RuntimeEvent[],
  threadId: string,
  activeChecks: () => number,
): Promise<void> {
  const providerRequests = sandbox.providers.requests.length;
  const tokenChecks = sandbox.scalekit.calls.count("GetConnectedAccountAuth");
  const checks = activeChecks();
  const ofThread = () => events.filter((event) => event.threadId === threadId);
  // A resume (the failure this guards against) ends the wait early, to fail on what it did.
  await waitFor(
    () =>
      sandbox.providers.requests.length > providerRequests ||
      ofThread().some((event) => event.type === "authorization-completed" || event.type === "turn-end") ||
      (activeChecks() >= checks + 2 &&
        sandbox.scalekit.calls.count("GetConnectedAccountAuth") >= tokenChecks + 2),
    15_000,
    "the watcher to see ACTIVE and check the token twice",
  );
  expect(sandbox.providers.requests.slice(providerRequests)).toEqual([]);
  expect(ofType(ofThread(), "authorization-completed")).toHaveLength(0);
  expect(ofType(ofThread(), "tool-result")).toHaveLength(0);
  expect(ofType(ofThread(), "turn-end")).toHaveLength(0);
  const waiting = (await runtime.listWaitingThreads()).filter((item) => item.threadId === threadId);
  expect(waiting).toHaveLength(1);
}

/** After consenting again: one resume, one search with the new token, one answer. */
async function expectResumedOnce(
  sandbox: Sandbox,
  events: RuntimeEvent[],
  threadId: string,
  providerRequestsBefore: number,
): Promise<void> {
  const ofThread = () => events.filter((event) => event.threadId === threadId);
  await waitFor(() => ofType(ofThread(), "turn-end").length > 0, 15_000, `${threadId} to finish`);
  await sandbox.scalekit.flushWebhooks();
  expect(ofType(ofThread(), "authorization-completed")).toHaveLength(1);
  expect(ofType(ofThread(), "turn-end")).toHaveLength(1);
  expect(ofType(ofThread(), "turn-end")[0]?.status).toBe("completed");
  const results = ofType(ofThread(), "tool-result");
  expect(results.map((result) => [result.toolName, result.status])).toEqual([
    ["gmail_search_messages", "success"],
  ]);
  const after = sandbox.providers.requests.slice(providerRequestsBefore);
  expect(after.filter((r) => r.path.startsWith(`${GMAIL_MESSAGES}?`))).toHaveLength(1);
  expect(after.every((r) => r.status === 200)).toBe(true);
}

describe("a rejected token's fingerprint outlives the process that saw it", () => {
  it("on SQLite, a restarted runtime keeps waiting on the same token and resumes once after consent", async () => {
    const sandbox = await startSandbox({ timeZone: "UTC" });
    cleanups.push(() => sandbox.close());
    const databaseUrl = join(mkdtempSync(join(tmpdir(), "delegate-rejected-")), "delegate.sqlite");

    // A pauses the thread and is closed before its first check is due (a second away).
    const eventsA: RuntimeEvent[] = [];
    const a = await runtimeOn(sandbox, databaseUrl, eventsA, 1_000);
    cleanups.push(() => a.close());
    const stopA = sandbox.deliverWebhooks((input) => a.handleWebhook(input));
    cleanups.push(stopA);
    const url = await pauseOnRejectedToken(sandbox, a, "nia", "t-restart");
    stopA();
    await a.close();
    expect(ofType(eventsA, "turn-end")).toHaveLength(0);

    // B opens the same file: Scalekit says ACTIVE, but its token is the one Gmail rejected.
    const eventsB: RuntimeEvent[] = [];
    const log = watcherLog();
    const b = await runtimeOn(sandbox, databaseUrl, eventsB, 20, log.logger);
    cleanups.push(() => b.close());
    cleanups.push(sandbox.deliverWebhooks((input) => b.handleWebhook(input)));
    await expectStillWaiting(sandbox, b, eventsB, "t-restart", log.activeChecks);

    // Consent again: a new token, and B resumes the thread exactly once.
    const before = sandbox.providers.requests.length;
    await consent(url);
    await expectResumedOnce(sandbox, eventsB, "t-restart", before);
    expect(await b.listWaitingThreads()).toEqual([]);
  }, 60_000);

  const postgres = postgresBin() !== undefined;
  if (!postgres)
    console.log(
      "PostgreSQL rejected-token test skipped: the postgresql package is not installed (.ci/run installs it)",
    );

  it.skipIf(!postgres)(
    "on PostgreSQL, another live replica keeps waiting on the same token and one of them resumes once after consent",
    async () => {
      const database = await startPostgres();
      cleanups.push(() => database.close());
      const sandbox = await startSandbox({ timeZone: "UTC" });
      cleanups.push(() => sandbox.close());

      // Both replicas take webhooks; A pauses the thread, B polls every 20 ms. A's watcher never
      // has a whole call in its budget, so every check of the row is B's: B, which never saw the
      // rejection, is the one that must keep waiting (A would otherwise win some of the races).
      const events: RuntimeEvent[] = [];
      const a = await runtimeOn(sandbox, database.url, events, 1_000, undefined, 0.5);
      cleanups.push(() => a.close());
      const log = watcherLog();
      const b = await runtimeOn(sandbox, database.url, events, 20, log.logger);
      cleanups.push(() => b.close());
      cleanups.push(sandbox.deliverWebhooks((input) => a.handleWebhook(input)));
      cleanups.push(sandbox.deliverWebhooks((input) => b.handleWebhook(input)));

      const url = await pauseOnRejectedToken(sandbox, a, "omar", "t-replicas");
      await expectStillWaiting(sandbox, b, events, "t-replicas", log.activeChecks);
      // A sees the same row: it waits there too.
      expect((await a.listWaitingThreads()).map((item) => item.threadId)).toEqual(["t-replicas"]);

      const before = sandbox.providers.requests.length;
      await consent(url);
      await expectResumedOnce(sandbox, events, "t-replicas", before);
      expect(await a.listWaitingThreads()).toEqual([]);
      expect(await b.listWaitingThreads()).toEqual([]);
    },
    90_000,
  );
});
