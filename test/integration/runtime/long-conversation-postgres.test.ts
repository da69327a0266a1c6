import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentRuntime, createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import type { RuntimeEvent } from "../../../src/runtime/events.js";
import { openStorage } from "../../../src/runtime/storage.js";
import { threadKey } from "../../../src/runtime/thread-store.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";
import { postgresBin, startPostgres, type TestPostgres } from "../../helpers/postgres.js";
import { collect, waitFor } from "../../helpers/sandbox-runtime.js";

const available = postgresBin() !== undefined;
if (!available)
  console.log("PostgreSQL tests skipped: the postgresql package is not installed (.ci/run installs it)");

describe.skipIf(!available)("bounded checkpoint history on PostgreSQL, shared by replicas", () => {
  let postgres: TestPostgres;
  let sandbox: Sandbox;
  let db: pg.Pool;
  beforeAll(async () => {
    postgres = await startPostgres();
    sandbox = await startSandbox({ timeZone: "UTC" });
    db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    await sandbox?.close();
    await postgres?.close();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n);

  it("prunes while another replica resumes, and every thread resumes exactly once, whole", async () => {
    const events: RuntimeEvent[] = [];
    const replica = (fastPoll: boolean) =>
      createAgentRuntime({
        model: new DemoChatModel({ timeZone: "UTC" }),
        scalekit: sandbox.settings,
        providerBaseUrls: sandbox.providerBaseUrls,
        databaseUrl: postgres.url,
        timeZone: "UTC",
        poll: fastPoll
          ? { initialIntervalMs: 1, maxIntervalMs: 5, backoff: 1 }
          : { initialIntervalMs: 3_600_000, maxIntervalMs: 3_600_000 },
        onEvent: (event) => events.push(event),
      });
    const a: AgentRuntime = await replica(false);
    const b: AgentRuntime = await replica(true);
    // A third process that does nothing but prune, as fast as it can, while B resumes.
    const pruning = await openStorage({ databaseUrl: postgres.url });
    const users = Array.from({ length: 16 }, (_, i) => ({ userId: `prune-${i}`, threadId: `lunch-${i}` }));
    try {
      await Promise.all(
        users.map((user) =>
          collect(
            a.send({
              ...user,
              text: "email sam@example.com about lunch saying see you at noon",
              waitForAuthorization: false,
            }),
          ),
        ),
      );
      // A pruned after pausing: one checkpoint each, holding the interrupt.
      for (const user of users) {
        expect(
          await count("SELECT COUNT(*) AS n FROM checkpoints WHERE thread_id = $1", [
            threadKey(user, user.threadId),
          ]),
        ).toBe(1);
      }
      const ended = (user: { threadId: string }) =>
        events.some((e) => e.type === "turn-end" && e.threadId === user.threadId);
      let prunedMidResume = 0;
      let done = false;
      const pruner = (async () => {
        while (!done) {
          for (const user of users) {
            const deleted = (await pruning.pruner?.prune(threadKey(user, user.threadId))) ?? 0;
            if (deleted > 0 && !ended(user)) prunedMidResume += deleted;
          }
        }
      })();
      await Promise.all(users.map((user) => sandbox.controls.approve(user, "gmail")));
      await waitFor(() => users.every(ended), 60_000, "every resumed turn");
      done = true;
      await pruner;
      // The prunes really overlapped the resumes.
      expect(prunedMidResume).toBeGreaterThan(0);
      for (const user of users) {
        const turnEnds = events.filter((e) => e.type === "turn-end" && e.threadId === user.threadId);
        expect(
          turnEnds.map((e) => e.type === "turn-end" && e.status),
          user.userId,
        ).toEqual(["completed"]);
        const sent = sandbox.emulators.gmail
          .inspect(user.userId)
          .messages.filter((m) => m.labelIds.includes("SENT") && m.headers.to?.includes("sam@example.com"));
        expect(sent, user.userId).toHaveLength(1);
        for (const runtime of [a, b]) {
          const thread = await runtime.getThread(user);
          expect(
            thread.messages.map((m) => m.role),
            user.userId,
          ).toEqual(["user", "assistant", "tool", "assistant"]);
          expect(thread.pendingAuthorization).toBeUndefined();
        }
        const key = threadKey(user, user.threadId);
        await pruning.pruner?.prune(key);
        expect(await count("SELECT COUNT(*) AS n FROM checkpoints WHERE thread_id = $1", [key])).toBe(1);
      }
      // No checkpoint refers to a channel value that is gone, and no value is left unreferenced.
      expect(
        await count(`SELECT COUNT(*) AS n FROM checkpoints c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
          WHERE NOT EXISTS (SELECT 1 FROM checkpoint_blobs b WHERE b.thread_id = c.thread_id
            AND b.checkpoint_ns = c.checkpoint_ns AND b.channel = v.key AND b.version = v.value)`),
      ).toBe(0);
      expect(
        await count(`SELECT COUNT(*) AS n FROM checkpoint_blobs b WHERE b.thread_id LIKE '%prune-%' AND NOT EXISTS (
          SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
            AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)`),
      ).toBe(0);

      // Deleting on one replica deletes for all: checkpoints, values, writes and the thread.
      const [gone, kept] = users as [(typeof users)[0], (typeof users)[0]];
      expect(await a.deleteThread(gone)).toBe(true);
      await expect(b.getThread(gone)).rejects.toMatchObject({ code: "THREAD_NOT_FOUND" });
      for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"]) {
        expect(
          await count(`SELECT COUNT(*) AS n FROM ${table} WHERE thread_id = $1`, [
            threadKey(gone, gone.threadId),
          ]),
          table,
        ).toBe(0);
      }
      expect((await b.getThread(kept)).messages).toHaveLength(4);
    } finally {
      await a.close();
      await b.close();
      await pruning.close();
    }
  }, 120_000);
});
