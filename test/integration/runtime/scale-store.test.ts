import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, type Storage } from "../../../src/runtime/storage.js";
import { type NewPending, threadKey } from "../../../src/runtime/thread-store.js";
import { postgresBin, startPostgres, type TestPostgres } from "../../helpers/postgres.js";

function wait(userId: string, createdAt: number, nextCheckAt: number, connections = ["gmail"]): NewPending {
  const identity = { userId };
  return {
    key: threadKey(identity, `t-${userId}`),
    threadId: `t-${userId}`,
    identity,
    identifier: userId,
    connections,
    requests: [],
    approvals: [],
    reason: connections.length ? "not_connected" : "approval_required",
    createdAt,
    deadlineAt: createdAt + 600_000,
    rejectedTokens: {},
    nextCheckAt,
  };
}

const pg = postgresBin() !== undefined;
if (!pg)
  console.log("PostgreSQL part of the store scale test skipped: the postgresql package is not installed");

describe("the thread store reads waits by due time, not all of them", () => {
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    if (pg) postgres = await startPostgres();
  }, 90_000);
  afterAll(async () => {
    await postgres?.close();
  });

  for (const kind of ["sqlite", "postgres"] as const) {
    it.skipIf(kind === "postgres" && !pg)(
      `${kind}: pages the due waits in due order; two replicas never take the same check`,
      async () => {
        const url =
          kind === "sqlite"
            ? join(mkdtempSync(join(tmpdir(), "delegate-due-")), "delegate.sqlite")
            : (postgres?.url ?? "");
        const a: Storage = await openStorage({ databaseUrl: url });
        const b: Storage = await openStorage({ databaseUrl: url });
        try {
          const now = 1_000_000;
          for (let i = 0; i < 300; i++)
            await a.store.putPending(wait(`due-${kind}-${i}`, now - 1_000, now - i));
          // Later, and decision-only waits: never due.
          for (let i = 0; i < 50; i++)
            await a.store.putPending(wait(`later-${kind}-${i}`, now, now + 60_000));
          await a.store.putPending(wait(`decide-${kind}`, now - 5_000, now - 5_000, []));

          const page = await a.store.listDue(now, now - 120_000, 100);
          expect(page).toHaveLength(100);
          // The longest overdue first.
          expect(page[0]?.identifier).toBe(`due-${kind}-299`);
          expect(page.map((item) => item.nextCheckAt)).toEqual(
            [...page.map((item) => item.nextCheckAt)].sort((x, y) => (x ?? 0) - (y ?? 0)),
          );
          expect(await a.store.nextDueAt(now - 120_000)).toBe(now - 299);

          const keys = page.map((item) => item.key);
          const [takenA, takenB] = await Promise.all([
            a.store.takeChecks(keys, now, now + 30_000),
            b.store.takeChecks(keys, now, now + 30_000),
          ]);
          expect(takenA.size + takenB.size).toBe(100);
          for (const key of takenA) expect(takenB.has(key)).toBe(false);
          // Taken checks are no longer due; the next page holds the next hundred.
          const next = await b.store.listDue(now, now - 120_000, 500);
          expect(next).toHaveLength(200);
          expect(next.some((item) => keys.includes(item.key))).toBe(false);

          await a.store.scheduleChecks(next.map((item) => ({ key: item.key, at: now + 1 })));
          expect(await a.store.listDue(now, now - 120_000, 500)).toHaveLength(0);
          expect(await a.store.listPendingFor(`later-${kind}-7`)).toHaveLength(1);
          const keep = [wait(`later-${kind}-1`, 0, 0).key, threadKey({ userId: "nobody" }, "t")];
          expect([...(await a.store.pendingKeys(keep))]).toEqual([keep[0]]);
        } finally {
          await a.close();
          await b.close();
        }
      },
      60_000,
    );
  }

  it("brings a database from before the due-time column up to date", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "delegate-upgrade-")), "delegate.sqlite");
    const old = new Database(file);
    old.exec(`CREATE TABLE delegate_waiting_threads (
      thread_key TEXT PRIMARY KEY, thread_id TEXT NOT NULL, user_id TEXT NOT NULL, organization_id TEXT,
      identifier TEXT NOT NULL, connections TEXT NOT NULL, requests TEXT NOT NULL, approvals TEXT NOT NULL,
      reason TEXT NOT NULL, created_at INTEGER NOT NULL, deadline_at INTEGER NOT NULL, state TEXT NOT NULL,
      claimed_by TEXT, claimed_at INTEGER, rejected_tokens TEXT NOT NULL)`);
    old
      .prepare(
        `INSERT INTO delegate_waiting_threads VALUES ('k', 't', 'u', NULL, 'u', '["gmail"]', '[]', '[]',
         'not_connected', 5, 999999999999, 'waiting', NULL, NULL, '{}')`,
      )
      .run();
    old.close();
    const storage = await openStorage({ databaseUrl: file });
    try {
      // The old wait is due at once, and new ones carry their due time.
      expect((await storage.store.listDue(10, 0, 10)).map((item) => item.key)).toEqual(["k"]);
      await storage.store.putPending(wait("fresh", 100, 200));
      expect((await storage.store.getPending(threadKey({ userId: "fresh" }, "t-fresh")))?.nextCheckAt).toBe(
        200,
      );
    } finally {
      await storage.close();
    }
    // Opening it again changes nothing.
    await (await openStorage({ databaseUrl: file })).close();
  });
});
