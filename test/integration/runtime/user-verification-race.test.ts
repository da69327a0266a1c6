/**
 * The verify redirect, the status poll and the webhook that Scalekit sends when the account turns
 * ACTIVE all try to resume the thread at the same moment: it resumes exactly once, and the email
 * is sent exactly once. On SQLite in one process, and on PostgreSQL with the redirect reaching one
 * replica while another polls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../../src/logger.js";
import type { AgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { postgresBin, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { collect, ofType, runtimeOn, waitFor } from "../../helpers/sandbox-runtime.js";
import { consentRedirect, TEST_VERIFY_SECRET } from "../../helpers/user-verification.js";

const ITERATIONS = 50;
const EMAIL = "email sam@example.com about lunch saying see you at noon";
const hasPostgres = postgresBin() !== undefined;
if (!hasPostgres)
  console.log("user-verification-race: PostgreSQL part skipped, the postgresql package is missing");

/** Records who resumed which thread ("resuming thread" is logged once per claim won). */
function resumeLog(): { logger: Logger; resumes: { threadId: string; via: string }[] } {
  const resumes: { threadId: string; via: string }[] = [];
  const ignore = () => {};
  return {
    resumes,
    logger: {
      debug: ignore,
      warn: ignore,
      error: ignore,
      info: (fields: Record<string, unknown>, message?: string) => {
        if (message === "resuming thread")
          resumes.push({ threadId: String(fields.threadId), via: String(fields.via) });
      },
    } as Logger,
  };
}

const sentTo = (sandbox: Sandbox, user: string) =>
  sandbox.emulators.gmail
    .inspect(user)
    .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));

/**
 * One iteration: the thread waits for Gmail, consent redirects to the verify URL, and the
 * redirect is presented twice at once while the poll runs every millisecond and the emulator's
 * ACTIVE webhook reaches the runtime(s) during the verification itself.
 */
async function race(front: AgentRuntime, events: RuntimeEvent[], userId: string): Promise<string[]> {
  const threadId = `t-${userId}`;
  const first = await collect(front.send({ userId, threadId, text: EMAIL, waitForAuthorization: false }));
  const link = ofType(first, "authorization-required")[0]?.requests[0]?.url ?? "";
  const redirect = await consentRedirect(link);
  const results = await Promise.all([
    front.verifyUser({ ...redirect, userId }),
    front.verifyUser({ ...redirect, userId }),
  ]);
  await waitFor(
    () => events.some((event) => event.threadId === threadId && event.type === "turn-end"),
    15_000,
    `${threadId} to finish`,
  );
  return results.map((result) => (result.status === "verified" ? "verified" : result.reason));
}

function expectOnce(
  sandbox: Sandbox,
  events: RuntimeEvent[],
  resumes: { threadId: string; via: string }[],
  userId: string,
  outcomes: string[],
) {
  const threadId = `t-${userId}`;
  expect(outcomes.sort(), threadId).toEqual(["replayed", "verified"]);
  expect(
    resumes.filter((resume) => resume.threadId === threadId),
    threadId,
  ).toHaveLength(1);
  const mine = events.filter((event) => event.threadId === threadId);
  expect(ofType(mine, "authorization-completed"), threadId).toHaveLength(1);
  expect(
    ofType(mine, "tool-result").map((result) => result.status),
    threadId,
  ).toEqual(["success"]);
  expect(ofType(mine, "turn-end"), threadId).toHaveLength(1);
  expect(sentTo(sandbox, userId), threadId).toHaveLength(1);
}

/** The webhook contender was there: the ACTIVE webhook reached every runtime, which answered it. */
async function expectRaced(sandbox: Sandbox, userId: string, receivers: number) {
  await sandbox.scalekit.flushWebhooks();
  const active = sandbox.scalekit.webhookDeliveries.filter((delivery) => {
    const data = (JSON.parse(delivery.body) as { data?: { identifier?: string; status?: string } }).data;
    return data?.identifier === userId && data.status === "ACTIVE" && delivery.status === 200;
  });
  expect(active.length, userId).toBeGreaterThanOrEqual(receivers);
}

describe("user verification resumes exactly once", () => {
  let sandbox: Sandbox;
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ timeZone: "UTC" });
    if (hasPostgres) postgres = await startPostgres();
  }, 90_000);
  afterAll(async () => {
    await sandbox?.close();
    await postgres?.close();
  });

  it(`racing the poll and the webhook, ${ITERATIONS} times (SQLite)`, async () => {
    const events: RuntimeEvent[] = [];
    const { logger, resumes } = resumeLog();
    const runtime = await runtimeOn(sandbox, {
      webhookSecret: sandbox.webhookSecret,
      databaseUrl: ":memory:",
      poll: { initialIntervalMs: 1, maxIntervalMs: 2, backoff: 1 },
      verification: { url: "http://127.0.0.1:9/verify", secret: TEST_VERIFY_SECRET },
      logger,
      onEvent: (event) => events.push(event),
    });
    const stop = sandbox.deliverWebhooks((input) => runtime.handleWebhook(input));
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        const userId = `race-${i}`;
        expectOnce(sandbox, events, resumes, userId, await race(runtime, events, userId));
        await expectRaced(sandbox, userId, 1);
      }
      // One resume per iteration, whichever path won it (each iteration checked the others tried).
      const winners = new Set(resumes.map((resume) => resume.via));
      expect(resumes).toHaveLength(ITERATIONS);
      expect([...winners].every((via) => ["verification", "webhook", "poll"].includes(via))).toBe(true);
      console.log(
        `user-verification-race (SQLite): resumes by ${[...winners].map((via) => `${via} ${resumes.filter((r) => r.via === via).length}`).join(", ")}`,
      );
    } finally {
      stop();
      await runtime.close();
    }
  }, 180_000);

  it.skipIf(!hasPostgres)(
    `on PostgreSQL: the redirect reaches one replica while the other polls and both get the webhook, ${ITERATIONS} times`,
    async () => {
      const events: RuntimeEvent[] = [];
      const { logger, resumes } = resumeLog();
      const replica = (front: boolean) =>
        runtimeOn(sandbox, {
          webhookSecret: sandbox.webhookSecret,
          databaseUrl: (postgres as TestPostgres).url,
          poll: front
            ? { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 }
            : { initialIntervalMs: 1, maxIntervalMs: 2, backoff: 1 },
          verification: { url: "http://127.0.0.1:9/verify", secret: TEST_VERIFY_SECRET },
          logger,
          onEvent: (event) => events.push(event),
        });
      const front = await replica(true);
      const back = await replica(false);
      const stops = [front, back].map((runtime) =>
        sandbox.deliverWebhooks((input) => runtime.handleWebhook(input)),
      );
      try {
        for (let i = 0; i < ITERATIONS; i++) {
          const userId = `pg-race-${i}`;
          expectOnce(sandbox, events, resumes, userId, await race(front, events, userId));
          await expectRaced(sandbox, userId, 2);
        }
        console.log(
          `user-verification-race (PostgreSQL): resumes by ${[...new Set(resumes.map((r) => r.via))].map((via) => `${via} ${resumes.filter((r) => r.via === via).length}`).join(", ")}`,
        );
      } finally {
        for (const stop of stops) stop();
        await front.close();
        await back.close();
      }
    },
    240_000,
  );
});
