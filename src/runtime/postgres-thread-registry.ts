import type pg from "pg";
import type { Identity } from "../auth/identity.js";
import {
  type PendingAuthorization,
  type PendingRow,
  type ThreadRecord,
  type ThreadRegistry,
  type ThreadRow,
  toPending,
  toThread,
} from "./thread-registry.js";

/**
 * The thread registry on PostgreSQL, for several processes sharing one database. `claim` is a
 * single conditional UPDATE: the row lock makes exactly one replica win a resume.
 */
export class PostgresThreadRegistry implements ThreadRegistry {
  readonly #pool: pg.Pool;
  readonly #now: () => number;

  private constructor(pool: pg.Pool, now: () => number) {
    this.#pool = pool;
    this.#now = now;
  }

  static async open(pool: pg.Pool, now: () => number = Date.now): Promise<PostgresThreadRegistry> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS delegate_threads (
        thread_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        organization_id TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS delegate_threads_user ON delegate_threads (user_id);
      CREATE TABLE IF NOT EXISTS delegate_pending_authorizations (
        thread_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        organization_id TEXT,
        identifier TEXT NOT NULL,
        connections JSONB NOT NULL,
        requests JSONB NOT NULL,
        reason TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        deadline_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        claimed_by TEXT,
        claimed_at BIGINT
      );
    `);
    return new PostgresThreadRegistry(pool, now);
  }

  async getThread(threadId: string): Promise<ThreadRecord | undefined> {
    const { rows } = await this.#pool.query<ThreadRow>(
      "SELECT * FROM delegate_threads WHERE thread_id = $1",
      [threadId],
    );
    return rows[0] ? toThread(rows[0]) : undefined;
  }

  async ensureThread(threadId: string, identity: Identity): Promise<ThreadRecord> {
    const now = this.#now();
    await this.#pool.query(
      `INSERT INTO delegate_threads (thread_id, user_id, organization_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (thread_id) DO UPDATE SET updated_at = EXCLUDED.updated_at
       WHERE delegate_threads.user_id = EXCLUDED.user_id`,
      [threadId, identity.userId, identity.organizationId ?? null, now],
    );
    return (await this.getThread(threadId)) as ThreadRecord;
  }

  async listThreads(userId: string): Promise<ThreadRecord[]> {
    const { rows } = await this.#pool.query<ThreadRow>(
      "SELECT * FROM delegate_threads WHERE user_id = $1 ORDER BY updated_at DESC",
      [userId],
    );
    return rows.map(toThread);
  }

  async putPending(pending: Omit<PendingAuthorization, "state" | "claimedAt">): Promise<void> {
    await this.#pool.query(
      `INSERT INTO delegate_pending_authorizations
         (thread_id, user_id, organization_id, identifier, connections, requests, reason, created_at, deadline_at, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting')
       ON CONFLICT (thread_id) DO UPDATE SET
         connections = EXCLUDED.connections, requests = EXCLUDED.requests, reason = EXCLUDED.reason,
         deadline_at = EXCLUDED.deadline_at, state = 'waiting', claimed_by = NULL, claimed_at = NULL`,
      [
        pending.threadId,
        pending.identity.userId,
        pending.identity.organizationId ?? null,
        pending.identifier,
        JSON.stringify(pending.connections),
        JSON.stringify(pending.requests),
        pending.reason,
        pending.createdAt,
        pending.deadlineAt,
      ],
    );
  }

  async getPending(threadId: string): Promise<PendingAuthorization | undefined> {
    const { rows } = await this.#pool.query<PendingRow>(
      "SELECT * FROM delegate_pending_authorizations WHERE thread_id = $1",
      [threadId],
    );
    return rows[0] ? toPending(rows[0]) : undefined;
  }

  async listPending(): Promise<PendingAuthorization[]> {
    const { rows } = await this.#pool.query<PendingRow>(
      "SELECT * FROM delegate_pending_authorizations ORDER BY created_at",
    );
    return rows.map(toPending);
  }

  async claim(threadId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const result = await this.#pool.query(
      `UPDATE delegate_pending_authorizations SET state = 'resuming', claimed_by = $1, claimed_at = $2
       WHERE thread_id = $3 AND (state = 'waiting' OR (state = 'resuming' AND claimed_at < $4))`,
      [owner, now, threadId, now - leaseMs],
    );
    return result.rowCount === 1;
  }

  async renew(threadId: string, owner: string): Promise<void> {
    await this.#pool.query(
      "UPDATE delegate_pending_authorizations SET claimed_at = $1 WHERE thread_id = $2 AND claimed_by = $3",
      [this.#now(), threadId, owner],
    );
  }

  async release(threadId: string, owner: string): Promise<void> {
    await this.#pool.query(
      `UPDATE delegate_pending_authorizations SET state = 'waiting', claimed_by = NULL, claimed_at = NULL
       WHERE thread_id = $1 AND claimed_by = $2`,
      [threadId, owner],
    );
  }

  async clearPending(threadId: string): Promise<void> {
    await this.#pool.query("DELETE FROM delegate_pending_authorizations WHERE thread_id = $1", [threadId]);
  }
}
