import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { postgresBin, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { collect, waitFor } from "../../helpers/sandbox-runtime.js";

const available = postgresBin() !== undefined;
if (!available)
  console.log("PostgreSQL tests skipped: the postgresql package is not installed (.ci/run installs it)");

describe.skipIf(!available)("PostgreSQL storage for several replicas", () => {
  let postgres: TestPostgres;
  let sandbox: Sandbox;
  beforeAll(async () => {
    postgres = await startPostgres();
    sandbox = await startSandbox({ timeZone: "UTC" });
  }, 90_000);
  afterAll(async () => {
    await sandbox?.close();
    await postgres?.close();
  });

  it("shares threads across replicas and resumes each exactly once when they race", async () => {
    const events: RuntimeEvent[] = [];
    const replica = (fastPoll: boolean) =>
      createAgentRuntime({
        model: new DemoChatModel({ timeZone: "UTC" }),
        scalekit: sandbox.settings,
        providerBaseUrls: sandbox.providerBaseUrls,
        webhookSecret: sandbox.webhookSecret,
        databaseUrl: postgres.url,
        timeZone: "UTC",
        poll: fastPoll
          ? { initialIntervalMs: 1, maxIntervalMs: 5, backoff: 1 }
          : { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 },
        onEvent: (event) => events.push(event),
      });
    const a = await replica(false);
    const b = await replica(true);
    try {
      const race = async (i: number) => {
        const user = `pg-${i}`;
        const threadId = `t-pg-${i}`;
        await collect(
          a.send({
            userId: user,
            threadId,
            text: "email sam@example.com about lunch saying see you at noon",
            waitForAuthorization: false,
          }),
        );
        await sandbox.controls.approve({ userId: user }, "gmail");
        // Both replicas try at once: B's poller and A's explicit recheck.
        await Promise.all([
          collect(a.resume({ userId: user, threadId })).catch(() => []),
          waitFor(
            () => events.some((e) => e.threadId === threadId && e.type === "turn-end"),
            15_000,
            threadId,
          ),
        ]);
      };
      for (let batch = 0; batch < 3; batch++)
        await Promise.all(Array.from({ length: 10 }, (_, j) => race(batch * 10 + j)));
      for (let i = 0; i < 30; i++) {
        const threadId = `t-pg-${i}`;
        expect(
          events.filter((e) => e.threadId === threadId && e.type === "authorization-completed"),
          threadId,
        ).toHaveLength(1);
        expect(
          events.filter((e) => e.threadId === threadId && e.type === "turn-end"),
          threadId,
        ).toHaveLength(1);
        const sent = sandbox.emulators.gmail
          .inspect(`pg-${i}`)
          .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
        expect(sent, threadId).toHaveLength(1);
      }
      // Either replica sees the other's threads, and ownership holds across them.
      expect((await b.getThread({ userId: "pg-0", threadId: "t-pg-0" })).messages.at(-1)?.role).toBe(
        "assistant",
      );
      await expect(b.getThread({ userId: "someone-else", threadId: "t-pg-0" })).rejects.toMatchObject({
        code: "THREAD_NOT_FOUND",
      });
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});
