import type { Identity } from "../auth/identity.js";
import {
  type CheckSchedule,
  DUE_COLUMN,
  type NewPending,
  PENDING_COLUMNS,
  PENDING_UPSERT,
  type PendingAuthorization,
  type PendingRow,
  pendingValues,
  type ThreadRecord,
  type ThreadRow,
  type ThreadStore,
  threadKey,
  toPending,
  toThread,
} from "./thread-store.js";

/**
 * What the store needs from a database: SQLite (better-sqlite3) and PostgreSQL (pg) both fit.
 * Statements use `?` placeholders; the PostgreSQL driver numbers them.
 */
export interface SqlDriver {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/**
 * The thread store on SQL. `claim` is a single conditional UPDATE: on PostgreSQL the row lock,
 * on SQLite the database lock, make exactly one caller (process or replica) win a resume.
 */
export class SqlThreadStore implements ThreadStore {
  readonly #db: SqlDriver;
  readonly #now: () => number;

  constructor(db: SqlDriver, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async getThread(key: string): Promise<ThreadRecord | undefined> {
    const rows = await this.#db.all<ThreadRow>("SELECT * FROM delegate_user_threads WHERE thread_key = ?", [
      key,
    ]);
    return rows[0] ? toThread(rows[0]) : undefined;
  }

  async touchThread(identity: Identity, threadId: string): Promise<void> {
    const key = threadKey(identity, threadId);
    const now = this.#now();
    await this.#db.run(
      `INSERT INTO delegate_user_threads (thread_key, thread_id, user_id, organization_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (thread_key) DO UPDATE SET updated_at = excluded.updated_at`,
      [key, threadId, identity.userId, identity.organizationId ?? null, now, now],
    );
  }

  async listThreads(identity: Identity): Promise<ThreadRecord[]> {
    const rows = await this.#db.all<ThreadRow>(
      `SELECT * FROM delegate_user_threads WHERE user_id = ? AND COALESCE(organization_id, '') = ?
       ORDER BY updated_at DESC`,
      [identity.userId, identity.organizationId ?? ""],
    );
    return rows.map(toThread);
  }

  async putPending(pending: NewPending): Promise<void> {
    await this.#db.run(
      `INSERT INTO delegate_waiting_threads (${PENDING_COLUMNS}, state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting') ${PENDING_UPSERT}`,
      pendingValues(pending),
    );
  }

  async getPending(key: string): Promise<PendingAuthorization | undefined> {
    const rows = await this.#db.all<PendingRow>(
      "SELECT * FROM delegate_waiting_threads WHERE thread_key = ?",
      [key],
    );
    return rows[0] ? toPending(rows[0]) : undefined;
  }

  async listPending(): Promise<PendingAuthorization[]> {
    const rows = await this.#db.all<PendingRow>("SELECT * FROM delegate_waiting_threads ORDER BY created_at");
    return rows.map(toPending);
  }

  async listPendingFor(identifier: string): Promise<PendingAuthorization[]> {
    const rows = await this.#db.all<PendingRow>(
      "SELECT * FROM delegate_waiting_threads WHERE identifier = ? ORDER BY created_at",
      [identifier],
    );
    return rows.map(toPending);
  }

  async pendingKeys(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const chunk of chunks(keys)) {
      const rows = await this.#db.all<{ thread_key: string }>(
        `SELECT thread_key FROM delegate_waiting_threads WHERE thread_key IN (${marks(chunk)})`,
        chunk,
      );
      for (const row of rows) found.add(row.thread_key);
    }
    return found;
  }

  async listDue(now: number, staleClaimBefore: number, limit: number): Promise<PendingAuthorization[]> {
    return this.#listWatchedBy("next_check_at", now, staleClaimBefore, limit);
  }

  async takeChecks(keys: readonly string[], now: number, until: number): Promise<Set<string>> {
    const taken = new Set<string>();
    for (const chunk of chunks(keys)) {
      // The due condition is checked again under the row lock: a replica that took these first wins.
      const rows = await this.#db.all<{ thread_key: string }>(
        `UPDATE delegate_waiting_threads SET next_check_at = ?
         WHERE thread_key IN (${marks(chunk)}) AND next_check_at <= ? RETURNING thread_key`,
        [until, ...chunk, now],
      );
      for (const row of rows) taken.add(row.thread_key);
    }
    return taken;
  }

  async scheduleChecks(schedule: readonly CheckSchedule[]): Promise<void> {
    const byTime = new Map<number, string[]>();
    for (const { key, at } of schedule) byTime.set(at, [...(byTime.get(at) ?? []), key]);
    for (const [at, keys] of byTime) {
      for (const chunk of chunks(keys)) {
        await this.#db.run(
          `UPDATE delegate_waiting_threads SET next_check_at = ? WHERE thread_key IN (${marks(chunk)})`,
          [at, ...chunk],
        );
      }
    }
  }

  async nextDueAt(staleClaimBefore: number): Promise<number | undefined> {
    const rows = await this.#db.all<{ at: number | string }>(
      `SELECT next_check_at AS at FROM delegate_waiting_threads
       WHERE next_check_at IS NOT NULL AND ${WATCHED} AND ${OPEN}
       ORDER BY next_check_at LIMIT 1`,
      [staleClaimBefore],
    );
    return rows[0] ? Number(rows[0].at) : undefined;
  }

  async listExpired(now: number, staleClaimBefore: number, limit: number): Promise<PendingAuthorization[]> {
    return this.#listWatchedBy("deadline_at", now, staleClaimBefore, limit);
  }

  /** Watched waits whose `column` time has come, the earliest first. */
  async #listWatchedBy(
    column: "next_check_at" | "deadline_at",
    now: number,
    staleClaimBefore: number,
    limit: number,
  ): Promise<PendingAuthorization[]> {
    const rows = await this.#db.all<PendingRow>(
      `SELECT * FROM delegate_waiting_threads
       WHERE ${column} <= ? AND ${WATCHED} AND ${OPEN}
       ORDER BY ${column} LIMIT ?`,
      [now, staleClaimBefore, limit],
    );
    return rows.map(toPending);
  }

  async nextDeadlineAt(): Promise<number | undefined> {
    const rows = await this.#db.all<{ at: number | string }>(
      `SELECT deadline_at AS at FROM delegate_waiting_threads
       WHERE ${WATCHED} AND state = 'waiting' ORDER BY deadline_at LIMIT 1`,
    );
    return rows[0] ? Number(rows[0].at) : undefined;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.#now();
    const changed = await this.#db.run(
      `UPDATE delegate_waiting_threads SET state = 'resuming', claimed_by = ?, claimed_at = ?
       WHERE thread_key = ? AND (state = 'waiting' OR (state = 'resuming' AND claimed_at < ?))`,
      [owner, now, key, now - leaseMs],
    );
    return changed === 1;
  }

  async renew(key: string, owner: string): Promise<void> {
    await this.#db.run(
      "UPDATE delegate_waiting_threads SET claimed_at = ? WHERE thread_key = ? AND claimed_by = ?",
      [this.#now(), key, owner],
    );
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#db.run(
      `UPDATE delegate_waiting_threads SET state = 'waiting', claimed_by = NULL, claimed_at = NULL
       WHERE thread_key = ? AND claimed_by = ?`,
      [key, owner],
    );
  }

  async clearPending(key: string): Promise<void> {
    await this.#db.run("DELETE FROM delegate_waiting_threads WHERE thread_key = ?", [key]);
  }

  async deleteThread(key: string, idleBefore?: number): Promise<boolean> {
    // Only while still idle, with `idleBefore`: a message sent since the sweep listed it keeps it.
    const deleted =
      idleBefore === undefined
        ? await this.#db.run("DELETE FROM delegate_user_threads WHERE thread_key = ?", [key])
        : await this.#db.run("DELETE FROM delegate_user_threads WHERE thread_key = ? AND updated_at < ?", [
            key,
            idleBefore,
          ]);
    if (idleBefore === undefined || deleted > 0) {
      await this.clearPending(key);
      await this.#db.run("DELETE FROM delegate_started_calls WHERE thread_key = ?", [key]);
    }
    return deleted > 0;
  }

  async touchExistingThread(key: string): Promise<void> {
    await this.#db.run("UPDATE delegate_user_threads SET updated_at = ? WHERE thread_key = ?", [
      this.#now(),
      key,
    ]);
  }

  async releaseVerificationState(nonce: string): Promise<void> {
    await this.#db.run("DELETE FROM delegate_used_verification_states WHERE nonce = ?", [nonce]);
  }

  async startCall(key: string, toolCallId: string): Promise<boolean> {
    // The primary key decides, on SQLite and PostgreSQL alike, whichever replica asks first.
    const inserted = await this.#db.run(
      `INSERT INTO delegate_started_calls (thread_key, tool_call_id, started_at) VALUES (?, ?, ?)
       ON CONFLICT (thread_key, tool_call_id) DO NOTHING`,
      [key, toolCallId, this.#now()],
    );
    return inserted > 0;
  }

  async forgetCall(key: string, toolCallId: string): Promise<void> {
    await this.#db.run("DELETE FROM delegate_started_calls WHERE thread_key = ? AND tool_call_id = ?", [
      key,
      toolCallId,
    ]);
  }

  async listIdleThreads(before: number, limit: number): Promise<ThreadRecord[]> {
    const rows = await this.#db.all<ThreadRow>(
      "SELECT * FROM delegate_user_threads WHERE updated_at < ? ORDER BY updated_at LIMIT ?",
      [before, limit],
    );
    return rows.map(toThread);
  }

  async consumeVerificationState(nonce: string, expiresAt: number): Promise<boolean> {
    // Kept a minute past expiry, so a state opened just before it lapsed cannot be replayed.
    await this.#db.run("DELETE FROM delegate_used_verification_states WHERE expires_at < ?", [
      this.#now() - 60_000,
    ]);
    // The primary key makes the insert the single-use guard, on SQLite and PostgreSQL alike.
    const inserted = await this.#db.run(
      `INSERT INTO delegate_used_verification_states (nonce, expires_at) VALUES (?, ?)
       ON CONFLICT (nonce) DO NOTHING`,
      [nonce, expiresAt],
    );
    return inserted === 1;
  }

  async recordLatestVerificationState(
    identity: Identity,
    connection: string,
    nonce: string,
    expiresAt: number,
  ): Promise<void> {
    // A user's row outlives its state by a minute at most: an older state expired before it did.
    await this.#db.run("DELETE FROM delegate_latest_verification_states WHERE expires_at < ?", [
      this.#now() - 60_000,
    ]);
    // One row per (organization, user, connection) holds the latest: the last link issued wins.
    await this.#db.run(
      `INSERT INTO delegate_latest_verification_states (organization_id, user_id, connection, nonce, expires_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (organization_id, user_id, connection) DO UPDATE SET nonce = excluded.nonce, expires_at = excluded.expires_at`,
      [identity.organizationId ?? "", identity.userId, connection, nonce, expiresAt],
    );
  }

  async latestVerificationState(identity: Identity, connection: string): Promise<string | undefined> {
    const rows = await this.#db.all<{ nonce: string }>(
      `SELECT nonce FROM delegate_latest_verification_states
       WHERE organization_id = ? AND user_id = ? AND connection = ?`,
      [identity.organizationId ?? "", identity.userId, connection],
    );
    return rows[0]?.nonce;
  }
}

/** Waits the watcher looks after: those with connections (decision-only waits have none). */
const WATCHED = "connections <> '[]'";
/** Still waiting, or claimed by a resume whose lease lapsed (one parameter: the lapse time). */
const OPEN = "(state = 'waiting' OR claimed_at < ?)";

/** Keys per IN list: well under both databases' parameter limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function marks(items: readonly unknown[]): string {
  return items.map(() => "?").join(", ");
}

/**
 * Brings an older database up to date (the due-time column and index); idempotent, for both
 * databases. Rows from before the upgrade become due at once.
 */
export async function upgradeThreadStore(db: SqlDriver, integer: string): Promise<void> {
  try {
    await db.all(DUE_COLUMN.probe);
  } catch {
    // Another replica may add it at the same moment: then the column is there all the same.
    await db.run(DUE_COLUMN.add(integer)).catch(async (error: unknown) => {
      if (
        !(await db.all(DUE_COLUMN.probe).then(
          () => true,
          () => false,
        ))
      )
        throw error;
    });
  }
  await db.run("UPDATE delegate_waiting_threads SET next_check_at = created_at WHERE next_check_at IS NULL");
  await db.run(DUE_COLUMN.index);
}
