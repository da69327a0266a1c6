/**
 * Bounded checkpoint history for the official savers, without forking them: after a run, a
 * thread keeps only its latest checkpoint (per namespace) and that checkpoint's pending writes —
 * all that resuming an interrupt, the exactly-once claim and `getThread` read. Older checkpoints
 * each hold the whole message list again, which made storage grow with the square of a thread's
 * length.
 *
 * Safe beside a resume on another replica: a prune deletes only checkpoints older than the
 * latest one it sees, and a resume only ever reads the latest checkpoint and writes newer ones.
 */
import type Database from "better-sqlite3";
import type pg from "pg";

export interface CheckpointPruner {
  /** Deletes the thread's checkpoints older than its latest; resolves to how many went. */
  prune(threadId: string): Promise<number>;
}

interface LatestRow {
  ns: string;
  id: string;
}

const LATEST = `SELECT checkpoint_ns AS ns, MAX(checkpoint_id) AS id FROM checkpoints
  WHERE thread_id = ? GROUP BY checkpoint_ns`;

/** `SqliteSaver`'s tables (`checkpoints`, `writes`), in one immediate transaction. */
export function sqlitePruner(db: Database.Database): CheckpointPruner {
  let prune: ((threadId: string) => number) | undefined;
  const prepare = () => {
    const latest = db.prepare<[string], LatestRow>(LATEST);
    const writes = db.prepare(
      "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
    );
    const checkpoints = db.prepare(
      "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
    );
    const run = db.transaction((threadId: string) => {
      let deleted = 0;
      for (const { ns, id } of latest.all(threadId)) {
        writes.run(threadId, ns, id);
        deleted += checkpoints.run(threadId, ns, id).changes;
      }
      return deleted;
    });
    // IMMEDIATE: take the write lock before reading, so a WAL snapshot cannot go stale under it.
    return (threadId: string) => run.immediate(threadId);
  };
  return {
    async prune(threadId) {
      prune ??= prepare();
      return prune(threadId);
    },
  };
}

/**
 * `PostgresSaver`'s tables. Channel values live apart there (`checkpoint_blobs`, one row per
 * channel version): the versions no remaining checkpoint of the thread refers to go too. A
 * concurrent `put` writes its blobs and its checkpoint in one transaction, so its new blobs are
 * either invisible to this statement or already referred to.
 */
export function postgresPruner(pool: pg.Pool): CheckpointPruner {
  return {
    async prune(threadId) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const latest = await client.query<LatestRow>(LATEST.replace("?", "$1"), [threadId]);
        let deleted = 0;
        for (const { ns, id } of latest.rows) {
          const where = "thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id < $3";
          await client.query(`DELETE FROM checkpoint_writes WHERE ${where}`, [threadId, ns, id]);
          deleted +=
            (await client.query(`DELETE FROM checkpoints WHERE ${where}`, [threadId, ns, id])).rowCount ?? 0;
        }
        if (deleted > 0) {
          await client.query(
            `DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
               SELECT 1 FROM checkpoints c
               WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
                 AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)`,
            [threadId],
          );
        }
        await client.query("COMMIT");
        return deleted;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
