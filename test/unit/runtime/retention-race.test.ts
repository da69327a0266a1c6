import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Logger } from "../../../src/logger.js";
import { RetentionSweeper } from "../../../src/runtime/retention.js";
import { openStorage } from "../../../src/runtime/storage.js";
import { threadKey } from "../../../src/runtime/thread-store.js";

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };
const alice = { userId: "alice" };

describe("retention", () => {
  it("keeps a thread used after the sweep listed it, and deletes the one still idle", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "delegate-retention-")), "delegate.sqlite");
    const storage = await openStorage({ databaseUrl: file });
    const { store } = storage;
    try {
      for (const threadId of ["busy", "idle", "written"]) await store.touchThread(alice, threadId);
      const db = new Database(file);
      // Listed least recently used first: busy, idle, written.
      const age = db.prepare("UPDATE delegate_user_threads SET updated_at = ? WHERE thread_key = ?");
      ["busy", "idle", "written"].forEach((threadId, index) => {
        age.run(Date.now() - (40 - index) * 86_400_000, threadKey(alice, threadId));
      });
      db.close();
      const sweeper = new RetentionSweeper({
        days: 30,
        store,
        logger: quiet,
        // The sweep reaches "busy" first and waits for its run; meanwhile the person writes on
        // "written", which the sweep has already listed as idle.
        erase: async (thread, idleBefore) => {
          if (thread.threadId === "busy") await store.touchThread(alice, "written");
          return store.deleteThread(thread.key, idleBefore);
        },
      });
      expect(await sweeper.sweep()).toBe(2);
      expect(await store.getThread(threadKey(alice, "written"))).toBeDefined();
      expect(await store.getThread(threadKey(alice, "idle"))).toBeUndefined();
      expect(await store.getThread(threadKey(alice, "busy"))).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
});
