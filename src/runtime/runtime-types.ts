import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { ApprovalsOption } from "../agent/approvals/policy.js";
import type { ToolAuditRecord } from "../agent/authorization-middleware.js";
import type {
  ApprovalRequest,
  AuthorizationRequest,
  Decision,
  WaitReason,
} from "../agent/authorization-request.js";
import type { OpenAIModelSettings } from "../agent/model.js";
import type { AccountStatus, AgentAuth, AuthorizationLink } from "../auth/agent-auth.js";
import type { CacheOptions } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import type { ScalekitSettings } from "../auth/scalekit/scalekit-agent-auth.js";
import type { RetryPolicy } from "../connectors/provider-client.js";
import type { ConnectorId } from "../connectors/registry.js";
import type { Logger } from "../logger.js";
import type { PollSettings } from "./authorization-watcher.js";
import type { RuntimeEvent } from "./events.js";
import type { RetentionOptions } from "./retention.js";
import type { CheckpointHistory } from "./thread-history.js";
import type { VerificationOptions, VerifyUserInput, VerifyUserResult } from "./user-verification.js";

export interface AgentRuntimeOptions {
  /**
   * Required: a LangChain chat model (any provider), or OpenAI settings for `ChatOpenAI` (also
   * any OpenAI-compatible server through `baseUrl`).
   */
  model: BaseChatModel | OpenAIModelSettings;
  /** Scalekit credentials; ignored when `agentAuth` is given. */
  scalekit?: ScalekitSettings;
  /** Any AgentAuth implementation (wins over `scalekit`). */
  agentAuth?: AgentAuth;
  /** A LangGraph checkpointer; then `databaseUrl` is required for thread owners and pending authorizations. */
  checkpointer?: BaseCheckpointSaver;
  /** SQLite file path (default `.delegate/delegate.sqlite`), or `:memory:`. */
  databaseUrl?: string | undefined;
  /**
   * `latest` (default): after each run a thread keeps only its latest checkpoint (what resuming
   * and `getThread` read), so storage grows linearly with a conversation. `all` keeps every one.
   * Your own `checkpointer` is never pruned.
   */
  checkpointHistory?: CheckpointHistory;
  /** Delete threads idle for `days` (off by default). See also `deleteThread` and `deleteUserData`. */
  retention?: RetentionOptions;
  /**
   * The model's view stays within `maxTokens` of conversation (default 16,000): old tool results
   * become one line, then older turns one digest. `getThread` keeps the whole history. `false`
   * sends everything.
   */
  context?: { maxTokens?: number } | false;
  /**
   * `direct` (default): Delegate's own connector tools call the provider APIs with the user's
   * token. `catalog`: the tools Scalekit hosts for the enabled connections, run by Scalekit.
   */
  tools?: "direct" | "catalog";
  /**
   * Which calls the person decides: effects (`read`, `write`, `destructive`) or tool names →
   * `allow | ask | deny | auto`, e.g. `{ write: "ask", gmail_create_draft: "allow" }` or the same
   * as text (`"write=ask,gmail_create_draft=allow"`). Default: read allow, write auto (runs when
   * every recipient, channel, attendee or parent page came from the person), destructive ask.
   */
  approvals?: ApprovalsOption;
  /** Connectors to enable (default all). */
  connectors?: readonly ConnectorId[];
  /** Connector → Scalekit connection name overrides, e.g. `{ "google-calendar": "my-gcal" }`. */
  connections?: Partial<Record<ConnectorId, string>>;
  /** Provider API base URLs, e.g. the sandbox's provider emulator. */
  providerBaseUrls?: Partial<Record<ConnectorId, string>>;
  logger?: Logger;
  /** Positive finite numbers, `backoff` at least 1 and `initialIntervalMs` ≤ `maxIntervalMs`. */
  poll?: Partial<PollSettings>;
  /** How long a thread waits for authorization before its blocked calls are cancelled. Default 10 min. */
  authorizationTimeoutMs?: number;
  /**
   * How many times one run may call the model (each with its tools) before it stops with
   * `TURN_LIMIT_REACHED` (default 25): a model that keeps calling tools cannot spin forever. The
   * thread stays usable; calls that did not run are told so.
   */
  maxModelCalls?: number;
  /**
   * The longest message `send` takes, in characters (default 65,536, `DEFAULT_MAX_MESSAGE_CHARS`):
   * a longer one is refused with `INVALID_INPUT` before anything is stored or sent to the model.
   */
  maxMessageChars?: number;
  /** Called for every runtime event of every thread. Must not throw; never receives secrets. */
  onEvent?: (event: RuntimeEvent) => void;
  /** Audit hook: "tool X ran as user U on connection C with outcome O". */
  onToolAudit?: (record: ToolAuditRecord) => void;
  /**
   * Scalekit webhook signing secret for `handleWebhook`: `whsec_` + base64, as Scalekit shows it
   * (anything else is `CONFIG_INVALID`). Without it every webhook is answered 401.
   */
  webhookSecret?: string | undefined;
  /**
   * Scalekit user verification: every link carries `url` (Scalekit's `user_verify_url`) and a
   * state signed with `secret`, and the account becomes ACTIVE only once your server passes the
   * redirect to `verifyUser` for the same user. Off by default (plain links).
   */
  verification?: VerificationOptions;
  /** IANA time zone the agent reasons in, e.g. `Europe/Paris` (an unknown one is `CONFIG_INVALID`). Default: the process's. */
  timeZone?: string | undefined;
  /** Path of the system prompt template (it must exist: else `CONFIG_INVALID`). Default `prompts/system.md`. */
  promptPath?: string | undefined;
  cache?: CacheOptions;
  retry?: RetryPolicy;
  now?: () => Date;
}

/** A decision on one asked call, named by its `toolCallId` (as `approvals[].toolCallId` gives it). */
export type CallDecision = Decision & { toolCallId: string };

/**
 * A thread, named by its user: threads are scoped by (organization, user, thread id), so the
 * same `threadId` of two users are two different threads.
 */
export interface ThreadRef {
  userId: string;
  organizationId?: string | undefined;
  threadId: string;
}

export interface SendInput extends ThreadRef {
  text: string;
  /**
   * Keep the stream open while the turn waits for authorization and deliver the auto-resumed
   * run's events (default true). With false the stream ends at `authorization-required`.
   */
  waitForAuthorization?: boolean;
}

export interface ThreadMessageView {
  role: "user" | "assistant" | "tool";
  text: string;
  toolCalls?: { id: string; name: string; args: Record<string, unknown> }[];
  toolCallId?: string;
  toolName?: string;
  status?: "success" | "error";
}

export interface PendingAuthorizationView {
  threadId: string;
  userId: string;
  organizationId?: string;
  connections: string[];
  requests: AuthorizationRequest[];
  /** Calls waiting for the person's decision. */
  approvals: ApprovalRequest[];
  reason: WaitReason;
  createdAt: string;
  deadline: string;
}

export interface ThreadView {
  threadId: string;
  userId: string;
  organizationId?: string;
  messages: ThreadMessageView[];
  pendingAuthorization?: PendingAuthorizationView;
}

export interface ConnectionOverview {
  connector: ConnectorId;
  displayName: string;
  connection: string;
  status: AccountStatus;
}

/** A pending authorization as an operator sees it: who waits for what, without the links. */
export interface WaitingThreadView {
  threadId: string;
  userId: string;
  organizationId?: string;
  connections: string[];
  reason: WaitReason;
  createdAt: string;
  deadline: string;
}

export interface WebhookResult {
  /** 503 once the runtime is closed (Scalekit retries; another replica or the restarted one takes it). */
  status: 200 | 202 | 400 | 401 | 413 | 503;
  /** How many waiting threads the webhook resumed (their ids are not disclosed to the sender). */
  resumed: number;
}

export interface AgentRuntime {
  readonly info: { modelLabel: string; connectors: ConnectorId[] };
  send(input: SendInput): AsyncIterable<RuntimeEvent>;
  /** Checks the connections now and resumes if they are ACTIVE (else the thread keeps waiting). */
  resume(input: ThreadRef): AsyncIterable<RuntimeEvent>;
  /** Cancels a pending authorization: the blocked calls get error results and the model explains. */
  cancel(input: ThreadRef): AsyncIterable<RuntimeEvent>;
  /**
   * The person's decisions on pending approvals, by `toolCallId` (`approve`, optionally
   * `always`; `reject` with an optional `message`; `edit` with new `args`). The turn resumes with
   * them; approved calls run once their connections are ACTIVE.
   */
  decide(input: ThreadRef & { decisions: CallDecision[] }): AsyncIterable<RuntimeEvent>;
  getThread(input: ThreadRef): Promise<ThreadView>;
  /**
   * Deletes a thread for good: its messages (every checkpoint), any pending authorization and
   * the thread itself. Waits for a run of it in this process to finish. Resolves to false when
   * there was no such thread (deleting twice is fine). Takes `{...identity, threadId}` like the
   * other calls, or `(identity, threadId)`.
   */
  deleteThread(input: ThreadRef): Promise<boolean>;
  deleteThread(identity: Identity, threadId: string): Promise<boolean>;
  /**
   * A user's right to erasure in one call: deletes every thread of this user (only this
   * organization's) and, with `disconnect`, disconnects their accounts of the enabled connectors
   * at Scalekit.
   */
  deleteUserData(
    identity: Identity,
    options?: { disconnect?: boolean },
  ): Promise<{ threads: number; disconnected: ConnectorId[] }>;
  /** One user's pending authorizations, with their links. */
  listPendingAuthorizations(identity: Identity): Promise<PendingAuthorizationView[]>;
  /** Every waiting thread, for operators and dashboards: no links (they are bearer secrets). */
  listWaitingThreads(): Promise<WaitingThreadView[]>;
  /** Verifies a Scalekit webhook and resumes threads it unblocks. Answer with the returned status. */
  handleWebhook(input: {
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }): Promise<WebhookResult>;
  /**
   * Handles Scalekit's user-verify redirect (`?auth_request_id=…&state=…`) for the user your
   * session says presents it: refuses a forged, expired or replayed state or another user's, asks
   * Scalekit to verify, and resumes the thread the link was made for at once (exactly once, even
   * racing the poll and webhooks). Throws CONFIG_INVALID when `verification` is not configured.
   */
  verifyUser(input: VerifyUserInput): Promise<VerifyUserResult>;
  /** Every enabled connector's status for a user. */
  listConnections(identity: Identity): Promise<ConnectionOverview[]>;
  /** An authorization link for one connector (creating the account when needed). */
  connect(identity: Identity, connector: ConnectorId): Promise<AuthorizationLink & { status: AccountStatus }>;
  disconnect(identity: Identity, connector: ConnectorId): Promise<void>;
  /** Listen to one of a user's threads (including auto-resumed runs). Returns an unsubscribe function. */
  subscribe(thread: ThreadRef, listener: (event: RuntimeEvent) => void): () => void;
  close(): Promise<void>;
}
