import type Database from "better-sqlite3";
import type { AuthorizationRequest } from "../agent/authorization-request.js";
import type { Identity } from "../auth/identity.js";

export interface ThreadRecord {
  threadId: string;
  userId: string;
  organizationId?: string;
  createdAt: number;
  updatedAt: number;
}

/** A thread paused on `authorization_required`, durable so any process can resume it. */
export interface PendingAuthorization {
  threadId: string;
  identity: Identity;
  /** Scalekit identifier of the user, for matching webhooks. */
  identifier: string;
  connections: string[];
  requests: AuthorizationRequest[];
  reason: "not_connected" | "token_rejected";
  createdAt: number;
  deadlineAt: number;
  state: "waiting" | "resuming";
  /** When a resume claimed it (state `resuming`); a claim older than the lease may be taken over. */
  claimedAt?: number;
}

/**
 * Thread ownership and pending authorizations, stored beside the checkpoints. `claim` is the
 * exactly-once guard: one atomic state change decides which of a webhook, a poll or another
 * process resumes a thread.
 */
export interface ThreadRegistry {
  getThread(threadId: string): Promise<ThreadRecord | undefined>;
  /** Records the owner on first use; never changes an existing owner. */
  ensureThread(threadId: string, identity: Identity): Promise<ThreadRecord>;
  listThreads(userId: string): Promise<ThreadRecord[]>;
  putPending(pending: Omit<PendingAuthorization, "state" | "claimedAt">): Promise<void>;
  getPending(threadId: string): Promise<PendingAuthorization | undefined>;
  listPending(): Promise<PendingAuthorization[]>;
  /** waiting → resuming (or a resuming claim whose lease lapsed); true for exactly one caller. */
  claim(threadId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Keeps a claim alive while a long resume runs. */
  renew(threadId: string, owner: string): Promise<void>;
  /** resuming → waiting, when a resume could not run. */
  release(threadId: string, owner: string): Promise<void>;
  clearPending(threadId: string): Promise<void>;
}

/**
 * A stored pending authorization as either database returns it: SQLite gives JSON text and
 * numbers, PostgreSQL gives parsed JSONB and BIGINTs as strings.
 */
export interface PendingRow {
  thread_id: string;
  user_id: string;
  organization_id: string | null;
  identifier: string;
  connections: string | string[];
  requests: string | AuthorizationRequest[];
  reason: string;
  created_at: number | string;
  deadline_at: number | string;
  state: string;
  claimed_at: number | string | null;
}

export interface ThreadRow {
  thread_id: string;
  user_id: string;
  organization_id: string | null;
  created_at: number | string;
  updated_at: number | string;
}

export class SqliteThreadRegistry implements ThreadRegistry {
  readonly #db: Database.Database;
  readonly #now: () => number;

  constructor(db: Database.Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    db.exec(`
      CREATE TABLE IF NOT EXISTS delegate_threads (
        thread_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        organization_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS delegate_threads_user ON delegate_threads (user_id);
      CREATE TABLE IF NOT EXISTS delegate_pending_authorizations (
        thread_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        organization_id TEXT,
        identifier TEXT NOT NULL,
        connections TEXT NOT NULL,
        requests TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deadline_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        claimed_by TEXT,
        claimed_at INTEGER
      );
    `);
  }

  async getThread(threadId: string): Promise<ThreadRecord | undefined> {
    const row = this.#db.prepare("SELECT * FROM delegate_threads WHERE thread_id = ?").get(threadId) as
      | ThreadRow
      | undefined;
    return row ? toThread(row) : undefined;
  }

  async ensureThread(threadId: string, identity: Identity): Promise<ThreadRecord> {
    const now = this.#now();
    this.#db
      .prepare(
        `INSERT INTO delegate_threads (thread_id, user_id, organization_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (thread_id) DO UPDATE SET updated_at = excluded.updated_at
         WHERE delegate_threads.user_id = excluded.user_id`,
      )
      .run(threadId, identity.userId, identity.organizationId ?? null, now, now);
    return (await this.getThread(threadId)) as ThreadRecord;
  }

  async listThreads(userId: string): Promise<ThreadRecord[]> {
    const rows = this.#db
      .prepare("SELECT * FROM delegate_threads WHERE user_id = ? ORDER BY updated_at DESC")
      .all(userId) as ThreadRow[];
    return rows.map(toThread);
  }

  async putPending(pending: Omit<PendingAuthorization, "state" | "claimedAt">): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO delegate_pending_authorizations
           (thread_id, user_id, organization_id, identifier, connections, requests, reason, created_at, deadline_at, state)
         VALUES (@thread_id, @user_id, @organization_id, @identifier, @connections, @requests, @reason, @created_at, @deadline_at, 'waiting')
         ON CONFLICT (thread_id) DO UPDATE SET
           connections = excluded.connections, requests = excluded.requests, reason = excluded.reason,
           deadline_at = excluded.deadline_at, state = 'waiting', claimed_by = NULL, claimed_at = NULL`,
      )
      .run({
        thread_id: pending.threadId,
        user_id: pending.identity.userId,
        organization_id: pending.identity.organizationId ?? null,
        identifier: pending.identifier,
        connections: JSON.stringify(pending.connections),
        requests: JSON.stringify(pending.requests),
        reason: pending.reason,
        created_at: pending.createdAt,
        deadline_at: pending.deadlineAt,
      });
  }

  async getPending(threadId: string): Promise<PendingAuthorization | undefined> {
    const row = this.#db
      .prepare("SELECT * FROM delegate_pending_authorizations WHERE thread_id = ?")
      .get(threadId) as PendingRow | undefined;
    return row ? toPending(row) : undefined;
  }

  async listPending(): Promise<PendingAuthorization[]> {
    const rows = this.#db
      .prepare("SELECT * FROM delegate_pending_authorizations ORDER BY created_at")
      .all() as PendingRow[];
    return rows.map(toPending);
  }

  async claim(threadId: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const result = this.#db
      .prepare(
        `UPDATE delegate_pending_authorizations SET state = 'resuming', claimed_by = ?, claimed_at = ?
         WHERE thread_id = ? AND (state = 'waiting' OR (state = 'resuming' AND claimed_at < ?))`,
      )
      .run(owner, now, threadId, now - leaseMs);
    return result.changes === 1;
  }

  async renew(threadId: string, owner: string): Promise<void> {
    this.#db
      .prepare(
        "UPDATE delegate_pending_authorizations SET claimed_at = ? WHERE thread_id = ? AND claimed_by = ?",
      )
      .run(this.#now(), threadId, owner);
  }

  async release(threadId: string, owner: string): Promise<void> {
    this.#db
      .prepare(
        `UPDATE delegate_pending_authorizations SET state = 'waiting', claimed_by = NULL, claimed_at = NULL
         WHERE thread_id = ? AND claimed_by = ?`,
      )
      .run(threadId, owner);
  }

  async clearPending(threadId: string): Promise<void> {
    this.#db.prepare("DELETE FROM delegate_pending_authorizations WHERE thread_id = ?").run(threadId);
  }
}

export function toThread(row: ThreadRow): ThreadRecord {
  return {
    threadId: row.thread_id,
    userId: row.user_id,
    ...(row.organization_id ? { organizationId: row.organization_id } : {}),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toPending(row: PendingRow): PendingAuthorization {
  const json = <T>(value: string | T): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);
  return {
    threadId: row.thread_id,
    identity: {
      userId: row.user_id,
      ...(row.organization_id ? { organizationId: row.organization_id } : {}),
    },
    identifier: row.identifier,
    connections: json(row.connections),
    requests: json(row.requests),
    reason: row.reason === "token_rejected" ? "token_rejected" : "not_connected",
    createdAt: Number(row.created_at),
    deadlineAt: Number(row.deadline_at),
    state: row.state === "resuming" ? "resuming" : "waiting",
    ...(row.claimed_at !== null && row.claimed_at !== undefined ? { claimedAt: Number(row.claimed_at) } : {}),
  };
}
