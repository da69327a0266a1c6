import type { ApprovalRequest, AuthorizationRequest, WaitReason } from "../agent/authorization-request.js";
import type { Identity } from "../auth/identity.js";

/**
 * Threads are scoped by (organization, user, thread id): two users may both call a thread
 * "inbox" and each gets their own, so a thread id chosen by one client can never squat or reveal
 * another user's. The key is what LangGraph's checkpointer and the store index by.
 */
export function threadKey(identity: Identity, threadId: string): string {
  const part = (value: string) => encodeURIComponent(value);
  return `${part(identity.organizationId ?? "")}/${part(identity.userId)}/${part(threadId)}`;
}

export interface ThreadRecord {
  key: string;
  threadId: string;
  identity: Identity;
  createdAt: number;
  updatedAt: number;
}

export type { WaitReason };

/** A thread paused on an interrupt, durable so any process can resume it. */
export interface PendingAuthorization {
  key: string;
  threadId: string;
  identity: Identity;
  /** Scalekit identifier of the user, for matching webhooks. */
  identifier: string;
  /** Connections still to be connected; empty when the thread waits only for decisions. */
  connections: string[];
  requests: AuthorizationRequest[];
  /** Calls the person must decide on (approve, reject, edit); empty when only connections are missing. */
  approvals: ApprovalRequest[];
  reason: WaitReason;
  createdAt: number;
  deadlineAt: number;
  state: "waiting" | "resuming";
  /** When a resume claimed it (state `resuming`); a claim older than the lease may be taken over. */
  claimedAt?: number;
  /**
   * For a thread waiting because a provider rejected a token: short fingerprints (never the
   * tokens) of the rejected tokens, per connection. The account counts as reconnected only once
   * Scalekit hands out a different token, on this replica or any other, before or after a restart.
   */
  rejectedTokens: Record<string, string>;
  /** When the watcher next looks at the thread's connections (ms since the epoch). */
  nextCheckAt?: number;
}

/** A new wait; `nextCheckAt` defaults to `createdAt`. */
export type NewPending = Omit<PendingAuthorization, "state" | "claimedAt">;

/** When the watcher should next look at one waiting thread. */
export interface CheckSchedule {
  key: string;
  at: number;
}

/**
 * Thread ownership and pending authorizations, stored beside the checkpoints. `claim` is the
 * exactly-once guard: one atomic state change decides which of a webhook, a poll or another
 * process resumes a thread.
 */
export interface ThreadStore {
  getThread(key: string): Promise<ThreadRecord | undefined>;
  /** Creates the thread on first use, else records activity. */
  touchThread(identity: Identity, threadId: string): Promise<void>;
  /** Records activity on a thread that exists; one deleted meanwhile stays deleted. */
  touchExistingThread(key: string): Promise<void>;
  listThreads(identity: Identity): Promise<ThreadRecord[]>;
  putPending(pending: NewPending): Promise<void>;
  getPending(key: string): Promise<PendingAuthorization | undefined>;
  listPending(): Promise<PendingAuthorization[]>;
  /** The waits of one Scalekit identifier (what a webhook or an account event names). */
  listPendingFor(identifier: string): Promise<PendingAuthorization[]>;
  /** Which of `keys` still wait (one query per few hundred keys, not one per key). */
  pendingKeys(keys: readonly string[]): Promise<Set<string>>;
  /**
   * Waits with connections to watch whose next check is due at `now` (waiting, or claimed by a
   * resume whose lease lapsed before `staleClaimBefore`), the longest overdue first, at most `limit`.
   */
  listDue(now: number, staleClaimBefore: number, limit: number): Promise<PendingAuthorization[]>;
  /**
   * Takes the checks of `keys` still due at `now` by moving them to `until`; returns the keys
   * taken, so two replicas never spend their budgets on the same threads.
   */
  takeChecks(keys: readonly string[], now: number, until: number): Promise<Set<string>>;
  /** Sets when each thread is next checked. */
  scheduleChecks(schedule: readonly CheckSchedule[]): Promise<void>;
  /** The earliest next check of any wait with connections to watch (as `listDue` picks them). */
  nextDueAt(staleClaimBefore: number): Promise<number | undefined>;
  /** Waits with connections past their deadline (and not held by a live claim), oldest first. */
  listExpired(now: number, staleClaimBefore: number, limit: number): Promise<PendingAuthorization[]>;
  /** The earliest deadline of any wait with connections, if any. */
  nextDeadlineAt(): Promise<number | undefined>;
  /** waiting → resuming (or a resuming claim whose lease lapsed); true for exactly one caller. */
  claim(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Keeps a claim alive while a long resume runs. */
  renew(key: string, owner: string): Promise<void>;
  /** resuming → waiting, when a resume could not run. */
  release(key: string, owner: string): Promise<void>;
  clearPending(key: string): Promise<void>;
  /**
   * Deletes the thread's row and any pending authorization; true when the thread existed. With
   * `idleBefore`, only when it was last used before then (in one statement, so a thread used
   * meanwhile stays), and false otherwise.
   */
  deleteThread(key: string, idleBefore?: number): Promise<boolean>;
  /** Threads nobody has written to since `before` (epoch ms), least recently used first. */
  listIdleThreads(before: number, limit: number): Promise<ThreadRecord[]>;
  /** Records that a write of the thread starts; false when it had started before (any replica). */
  startCall(key: string, toolCallId: string): Promise<boolean>;
  /** Forgets a start that did nothing, so the call may run again. */
  forgetCall(key: string, toolCallId: string): Promise<void>;
  /**
   * Records a user-verification state as used; true for exactly one caller (process or replica),
   * false when it was used before. Forgets states past `expiresAt`, which are refused anyway.
   */
  consumeVerificationState(nonce: string, expiresAt: number): Promise<boolean>;
  /** Makes a state usable again after a verification that never reached Scalekit. */
  releaseVerificationState(nonce: string): Promise<void>;
  /**
   * Records the state of the link just issued for this user's connection as its latest: older
   * states for it are refused from now on (`superseded`), on any replica.
   */
  recordLatestVerificationState(
    identity: Identity,
    connection: string,
    nonce: string,
    expiresAt: number,
  ): Promise<void>;
  /** The nonce of the latest link issued for this user's connection, if one is on record. */
  latestVerificationState(identity: Identity, connection: string): Promise<string | undefined>;
}

/**
 * A stored row as either database returns it: SQLite gives JSON text and numbers, PostgreSQL
 * gives parsed JSONB and BIGINTs as strings.
 */
export interface PendingRow {
  thread_key: string;
  thread_id: string;
  user_id: string;
  organization_id: string | null;
  identifier: string;
  connections: string | string[];
  requests: string | AuthorizationRequest[];
  approvals: string | ApprovalRequest[];
  reason: string;
  created_at: number | string;
  deadline_at: number | string;
  state: string;
  claimed_at: number | string | null;
  rejected_tokens: string | Record<string, string>;
  next_check_at?: number | string | null;
}

export interface ThreadRow {
  thread_key: string;
  thread_id: string;
  user_id: string;
  organization_id: string | null;
  created_at: number | string;
  updated_at: number | string;
}

/** The table definitions both databases share; only the integer and JSON types differ. */
export function schema(types: { integer: string; json: string }): string {
  return `
    CREATE TABLE IF NOT EXISTS delegate_user_threads (
      thread_key TEXT PRIMARY KEY,
      thread_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      organization_id TEXT,
      created_at ${types.integer} NOT NULL,
      updated_at ${types.integer} NOT NULL
    );
    CREATE INDEX IF NOT EXISTS delegate_user_threads_user ON delegate_user_threads (user_id, organization_id);
    CREATE INDEX IF NOT EXISTS delegate_user_threads_idle ON delegate_user_threads (updated_at);
    CREATE TABLE IF NOT EXISTS delegate_waiting_threads (
      thread_key TEXT PRIMARY KEY,
      thread_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      organization_id TEXT,
      identifier TEXT NOT NULL,
      connections ${types.json} NOT NULL,
      requests ${types.json} NOT NULL,
      approvals ${types.json} NOT NULL,
      reason TEXT NOT NULL,
      created_at ${types.integer} NOT NULL,
      deadline_at ${types.integer} NOT NULL,
      state TEXT NOT NULL,
      claimed_by TEXT,
      claimed_at ${types.integer},
      rejected_tokens ${types.json} NOT NULL,
      next_check_at ${types.integer}
    );
    CREATE INDEX IF NOT EXISTS delegate_waiting_threads_identifier ON delegate_waiting_threads (identifier);
    CREATE INDEX IF NOT EXISTS delegate_waiting_threads_deadline ON delegate_waiting_threads (deadline_at);
    CREATE TABLE IF NOT EXISTS delegate_used_verification_states (
      nonce TEXT PRIMARY KEY,
      expires_at ${types.integer} NOT NULL
    );
    CREATE TABLE IF NOT EXISTS delegate_latest_verification_states (
      organization_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      connection TEXT NOT NULL,
      nonce TEXT NOT NULL,
      expires_at ${types.integer} NOT NULL,
      PRIMARY KEY (organization_id, user_id, connection)
    );
    CREATE TABLE IF NOT EXISTS delegate_started_calls (
      thread_key TEXT NOT NULL,
      tool_call_id TEXT NOT NULL,
      started_at ${types.integer} NOT NULL,
      PRIMARY KEY (thread_key, tool_call_id)
    );`;
}

function identityOf(row: { user_id: string; organization_id: string | null }): Identity {
  return row.organization_id
    ? { userId: row.user_id, organizationId: row.organization_id }
    : { userId: row.user_id };
}

export function toThread(row: ThreadRow): ThreadRecord {
  return {
    key: row.thread_key,
    threadId: row.thread_id,
    identity: identityOf(row),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toPending(row: PendingRow): PendingAuthorization {
  const json = <T>(value: string | T): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);
  const pending: PendingAuthorization = {
    key: row.thread_key,
    threadId: row.thread_id,
    identity: identityOf(row),
    identifier: row.identifier,
    connections: json(row.connections),
    requests: json(row.requests),
    approvals: json(row.approvals),
    reason: WAIT_REASONS.includes(row.reason as WaitReason) ? (row.reason as WaitReason) : "not_connected",
    createdAt: Number(row.created_at),
    deadlineAt: Number(row.deadline_at),
    state: row.state === "resuming" ? "resuming" : "waiting",
    rejectedTokens: json(row.rejected_tokens),
  };
  if (row.claimed_at !== null && row.claimed_at !== undefined) pending.claimedAt = Number(row.claimed_at);
  if (row.next_check_at !== null && row.next_check_at !== undefined) {
    pending.nextCheckAt = Number(row.next_check_at);
  }
  return pending;
}

/** The values of a pending row, in column order, for either database's INSERT. */
export function pendingValues(pending: NewPending): unknown[] {
  return [
    pending.key,
    pending.threadId,
    pending.identity.userId,
    pending.identity.organizationId ?? null,
    pending.identifier,
    JSON.stringify(pending.connections),
    JSON.stringify(pending.requests),
    JSON.stringify(pending.approvals),
    pending.reason,
    pending.createdAt,
    pending.deadlineAt,
    JSON.stringify(pending.rejectedTokens),
    pending.nextCheckAt ?? pending.createdAt,
  ];
}

export const PENDING_COLUMNS =
  "thread_key, thread_id, user_id, organization_id, identifier, connections, requests, approvals, reason, created_at, deadline_at, rejected_tokens, next_check_at";

const WAIT_REASONS: readonly WaitReason[] = ["not_connected", "token_rejected", "approval_required"];

/** On conflict, a new wait replaces the old one and any claim on it. */
export const PENDING_UPSERT = `ON CONFLICT (thread_key) DO UPDATE SET
  connections = excluded.connections, requests = excluded.requests, approvals = excluded.approvals,
  reason = excluded.reason,
  created_at = excluded.created_at, deadline_at = excluded.deadline_at, rejected_tokens = excluded.rejected_tokens,
  next_check_at = excluded.next_check_at, state = 'waiting', claimed_by = NULL, claimed_at = NULL`;

/**
 * Brings an older database up to date: the due-time column (added after release) and its
 * index, so the watcher reads the few waits that are due, not every waiting row.
 */
export const DUE_COLUMN = {
  probe: "SELECT next_check_at FROM delegate_waiting_threads WHERE 1 = 0",
  add: (integer: string) => `ALTER TABLE delegate_waiting_threads ADD COLUMN next_check_at ${integer}`,
  index:
    "CREATE INDEX IF NOT EXISTS delegate_waiting_threads_due ON delegate_waiting_threads (next_check_at)",
};
