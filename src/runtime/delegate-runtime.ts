import { randomUUID } from "node:crypto";
import { HumanMessage } from "langchain";
import { answeredTwice, type Decision, type ResumeValue } from "../agent/authorization-request.js";
import type { DelegateAgent } from "../agent/create-delegate-agent.js";
import type { AccountStatus, AuthorizationLink } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, sameIdentity, scalekitIdentifier } from "../auth/identity.js";
import type { ConnectorId, connectionNames as resolveConnectionNames } from "../connectors/registry.js";
import { DelegateError } from "../errors.js";
import type { Logger } from "../logger.js";
import { AccountConnections } from "./account-connections.js";
import { AuthorizationWatcher, type DEFAULT_POLL } from "./authorization-watcher.js";
import { EventBus } from "./event-bus.js";
import type { RuntimeEvent } from "./events.js";
import { ResumeCoordinator } from "./resume-coordinator.js";
import { ResumedElsewhere } from "./resumed-elsewhere.js";
import { RetentionSweeper } from "./retention.js";
import {
  parseIdentity,
  parseSendInput,
  parseThreadRef,
  runtimeClosed,
  threadNotFound,
  waitingThreadBusy,
} from "./runtime-inputs.js";
import type {
  AgentRuntime,
  AgentRuntimeOptions,
  ConnectionOverview,
  PendingAuthorizationView,
  SendInput,
  ThreadRef,
  ThreadView,
  WaitingThreadView,
  WebhookResult,
} from "./runtime-types.js";
import type { Storage } from "./storage.js";
import { controlThread } from "./thread-control.js";
import { ThreadErasure } from "./thread-erasure.js";
import type { ThreadHistory } from "./thread-history.js";
import type { PendingAuthorization, ThreadStore } from "./thread-store.js";
import { viewMessage, viewPending, viewWaiting } from "./thread-views.js";
import { TurnRunner } from "./turn-runner.js";
import {
  UserVerification,
  type VerifyUserInput,
  type VerifyUserResult,
  verificationOff,
} from "./user-verification.js";
import { WebhookHandler, type WebhookInput } from "./webhook-handler.js";

export interface RuntimeDeps {
  agent: DelegateAgent;
  auth: CachedAgentAuth;
  storage: Storage;
  logger: Logger;
  names: ReturnType<typeof resolveConnectionNames>;
  enabled: ConnectorId[];
  timeoutMs: number;
  maxModelCalls: number;
  maxMessageChars: number;
  poll: typeof DEFAULT_POLL;
  onEvent: ((event: RuntimeEvent) => void) | undefined;
  webhookSecret: string | undefined;
  info: AgentRuntime["info"];
  history: ThreadHistory;
  retention: AgentRuntimeOptions["retention"];
}

/**
 * The runtime behind `createAgentRuntime`: public methods check their input and delegate to the
 * turn runner, the resume coordinator, the watcher, account connections and thread erasure.
 */
export class DelegateRuntime implements AgentRuntime {
  readonly info: AgentRuntime["info"];
  readonly #deps: RuntimeDeps;
  readonly #store: ThreadStore;
  readonly #bus: EventBus;
  readonly #runner: TurnRunner;
  readonly #coordinator: ResumeCoordinator;
  readonly #webhooks: WebhookHandler;
  readonly #watcher: AuthorizationWatcher;
  readonly #erasure: ThreadErasure;
  readonly #retention: RetentionSweeper | undefined;
  #verification: UserVerification | undefined;
  readonly #elsewhere: ResumedElsewhere;
  readonly #accounts: AccountConnections;
  #closed = false;

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
    this.info = deps.info;
    this.#store = deps.storage.store;
    const owner = `runtime-${randomUUID()}`;
    this.#bus = new EventBus(deps.logger, deps.onEvent);
    this.#runner = new TurnRunner({
      agent: deps.agent,
      auth: deps.auth,
      store: this.#store,
      bus: this.#bus,
      logger: deps.logger,
      timeoutMs: deps.timeoutMs,
      maxModelCalls: deps.maxModelCalls,
      owner,
      afterRun: (key) => deps.history.afterRun(key),
      firstCheckAt: (now, reason) => this.#watcher.firstCheckAt(now, reason),
      onWaiting: (key, fresh) => {
        if (fresh) this.#coordinator.forgetProgress(key);
        this.#watcher.wake();
      },
    });
    this.#coordinator = new ResumeCoordinator({
      store: this.#store,
      auth: deps.auth,
      runner: this.#runner,
      bus: this.#bus,
      logger: deps.logger,
      owner,
    });
    this.#webhooks = new WebhookHandler({ secret: deps.webhookSecret, auth: deps.auth, logger: deps.logger });
    this.#watcher = new AuthorizationWatcher({
      store: this.#store,
      auth: deps.auth,
      poll: deps.poll,
      logger: deps.logger,
      now: Date.now,
      leaseMs: 120_000,
      onReady: (pending) => this.#resumeConnected(pending, "poll"),
      onProgress: (pending, active) => this.#coordinator.reportProgress(pending, active, "poll"),
      onExpired: async (pending) => {
        await this.#coordinator.start(pending, { action: "cancel", reason: "timeout" }, "timeout");
      },
    });
    this.#bus.tap((key, event) => this.#coordinator.observe(key, event));
    this.#elsewhere = new ResumedElsewhere({
      store: this.#store,
      bus: this.#bus,
      coordinator: this.#coordinator,
      graph: deps.agent.graph,
      logger: deps.logger,
    });
    this.#accounts = new AccountConnections({
      auth: deps.auth,
      names: deps.names,
      enabled: deps.enabled,
      linkOptions: async (user, connection) => this.#verification?.linkOptions(user, connection, undefined),
    });
    this.#erasure = new ThreadErasure({
      history: deps.history,
      store: this.#store,
      coordinator: this.#coordinator,
      bus: this.#bus,
      logger: deps.logger,
      forget: (key) => this.#elsewhere.forget(key),
      scrub: async () => deps.storage.scrub?.(),
    });
    this.#retention = deps.retention
      ? new RetentionSweeper({
          ...deps.retention,
          store: this.#store,
          logger: deps.logger,
          erase: (thread, idleBefore) => this.#erasure.erase(thread.key, thread.threadId, idleBefore),
        })
      : undefined;
  }

  enableVerification(options: NonNullable<AgentRuntimeOptions["verification"]>): UserVerification {
    this.#verification = new UserVerification({
      options,
      auth: this.#deps.auth,
      store: this.#store,
      names: this.#deps.names,
      logger: this.#deps.logger,
      resume: (pending) => this.#resumeConnected(pending, "verification"),
      progress: (pending, active) => this.#coordinator.reportProgress(pending, active, "verification"),
    });
    return this.#verification;
  }

  start(): void {
    this.#watcher.start();
    this.#elsewhere.start();
    this.#retention?.start();
  }

  send(input: SendInput): AsyncIterable<RuntimeEvent> {
    if (this.#closed) return EventBus.failed(runtimeClosed());
    const { target, text, wait } = parseSendInput(input, this.#deps.maxMessageChars);
    const { channel, attach } = this.#bus.channel(
      target.key,
      target.threadId,
      (event) => event.type === "turn-end" || (!wait && event.type === "authorization-required"),
    );
    const run = async () => {
      await this.#coordinator.withLock(target.key, async () => {
        // Listen from this run on; the thread is the caller's by construction of its key.
        attach();
        const pending = await this.#store.getPending(target.key);
        if (pending) throw waitingThreadBusy(target.threadId, pending);
        await this.#store.touchThread(target.identity, target.threadId);
        this.#deps.logger.info({ threadId: target.threadId, userId: target.identity.userId }, "turn started");
        await this.#runner.run(target, { messages: [new HumanMessage(text)] });
      });
    };
    this.#coordinator.track(run().catch((error: unknown) => channel.fail(error)));
    return channel;
  }

  resume(input: ThreadRef): AsyncIterable<RuntimeEvent> {
    return this.#control(input, { action: "recheck" });
  }

  cancel(input: ThreadRef): AsyncIterable<RuntimeEvent> {
    return this.#control(input, { action: "cancel" });
  }

  decide(input: ThreadRef & { decisions: Decision[] }): AsyncIterable<RuntimeEvent> {
    const decisions = Array.isArray(input.decisions) ? input.decisions : [];
    if (decisions.length === 0 || decisions.some((decision) => !decision.toolCallId)) {
      return EventBus.failed(
        new DelegateError("INVALID_INPUT", "decide needs decisions, each naming its call by toolCallId."),
      );
    }
    const twice = answeredTwice(decisions);
    if (twice) {
      return EventBus.failed(
        new DelegateError(
          "INVALID_INPUT",
          `decide answers call ${twice} twice; give each call one decision.`,
        ),
      );
    }
    return this.#control(input, { decisions });
  }

  async deleteThread(input: ThreadRef | Identity, threadId?: string): Promise<boolean> {
    this.#assertOpen();
    const target = parseThreadRef(threadId === undefined ? (input as ThreadRef) : { ...input, threadId });
    return this.#erasure.erase(target.key, target.threadId);
  }

  async deleteUserData(
    identity: Identity,
    options: { disconnect?: boolean } = {},
  ): Promise<{ threads: number; disconnected: ConnectorId[] }> {
    this.#assertOpen();
    const user = parseIdentity(identity);
    const threads = await this.#erasure.eraseUser(user);
    const disconnected: ConnectorId[] = [];
    try {
      if (options.disconnect) {
        for (const connection of await this.listConnections(user)) {
          if (connection.status === "NOT_FOUND") continue;
          await this.disconnect(user, connection.connector);
          disconnected.push(connection.connector);
        }
      }
    } finally {
      // Nothing of an erased user stays in memory either: cached statuses, tokens and links —
      // last, so the look-ups above leave nothing behind (nor one still in flight).
      this.#deps.auth.invalidateUser(user);
    }
    return { threads, disconnected };
  }

  async getThread(input: ThreadRef): Promise<ThreadView> {
    this.#assertOpen();
    const target = parseThreadRef(input);
    const record = await this.#store.getThread(target.key);
    if (!record) throw threadNotFound(target.threadId);
    const snapshot = await this.#deps.agent.graph.getState({ configurable: { thread_id: target.key } });
    const values = (snapshot.values ?? {}) as { messages?: unknown[] };
    const pending = await this.#store.getPending(target.key);
    return {
      threadId: target.threadId,
      userId: target.identity.userId,
      ...(target.identity.organizationId ? { organizationId: target.identity.organizationId } : {}),
      messages: (values.messages ?? []).flatMap(viewMessage),
      ...(pending ? { pendingAuthorization: viewPending(pending) } : {}),
    };
  }

  async listPendingAuthorizations(identity: Identity): Promise<PendingAuthorizationView[]> {
    this.#assertOpen();
    const user = parseIdentity(identity);
    const pending = await this.#store.listPendingFor(scalekitIdentifier(user));
    return pending.filter((item) => sameIdentity(item.identity, user)).map(viewPending);
  }

  async listWaitingThreads(): Promise<WaitingThreadView[]> {
    this.#assertOpen();
    return (await this.#store.listPending()).map(viewWaiting);
  }

  async handleWebhook(input: WebhookInput): Promise<WebhookResult> {
    // Scalekit retries what is not answered 2xx: another replica, or this one restarted, takes it.
    if (this.#closed) return { status: 503, resumed: 0 };
    const outcome = this.#webhooks.handle(input);
    if (outcome.status !== 200) return { status: outcome.status, resumed: 0 };
    this.#watcher.noteWebhook();
    const { change } = outcome;
    if (change.status !== "ACTIVE") return { status: 200, resumed: 0 };
    const pending = (await this.#store.listPendingFor(change.identifier)).filter(
      (item) =>
        item.state === "waiting" && (!change.connection || item.connections.includes(change.connection)),
    );
    let resumed = 0;
    for (const item of pending) {
      const statuses = await this.#deps.auth.getStatuses(item.identity, item.connections);
      const active = item.connections.filter((connection) => statuses.get(connection)?.status === "ACTIVE");
      if (active.length === item.connections.length) {
        if (await this.#resumeConnected(item, "webhook")) resumed += 1;
      } else {
        this.#coordinator.reportProgress(item, active, "webhook");
      }
    }
    this.#deps.logger.debug({ waiting: pending.length, resumed }, "webhook: handled");
    return { status: 200, resumed };
  }

  async listConnections(identity: Identity): Promise<ConnectionOverview[]> {
    this.#assertOpen();
    return this.#accounts.list(parseIdentity(identity));
  }

  async connect(
    identity: Identity,
    connector: ConnectorId,
  ): Promise<AuthorizationLink & { status: AccountStatus }> {
    this.#assertOpen();
    return this.#accounts.connect(parseIdentity(identity), connector);
  }

  async verifyUser(input: VerifyUserInput): Promise<VerifyUserResult> {
    this.#assertOpen();
    const session = parseIdentity(input);
    if (!this.#verification) throw verificationOff();
    return this.#verification.verify(input, session);
  }

  async disconnect(identity: Identity, connector: ConnectorId): Promise<void> {
    this.#assertOpen();
    await this.#accounts.disconnect(parseIdentity(identity), connector);
  }

  subscribe(thread: ThreadRef, listener: (event: RuntimeEvent) => void): () => void {
    this.#assertOpen();
    return this.#bus.subscribe(parseThreadRef(thread).key, listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher.stop();
    await this.#retention?.stop();
    this.#elsewhere.stop();
    await this.#coordinator.close();
    // An open stream says why it ends: its turn did not (the thread is saved as it stood).
    this.#bus.endAll((threadId) => ({
      type: "error",
      threadId,
      code: "RUNTIME_CLOSED",
      message:
        "Delegate stopped before this turn finished. The conversation is saved; a thread waiting for you resumes when Delegate runs again.",
    }));
    await this.#deps.storage.close();
  }

  // ---- internals -------------------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closed) throw runtimeClosed();
  }

  #control(input: ThreadRef, value: ResumeValue): AsyncIterable<RuntimeEvent> {
    if (this.#closed) return EventBus.failed(runtimeClosed());
    const target = parseThreadRef(input);
    const { channel, listenHeld } = this.#bus.channel(
      target.key,
      target.threadId,
      (event) =>
        event.type === "turn-end" || event.type === "authorization-required" || event.type === "error",
    );
    const run = async () => {
      await controlThread(
        { store: this.#store, auth: this.#deps.auth, coordinator: this.#coordinator, listen: listenHeld },
        target,
        value,
      );
    };
    this.#coordinator.track(run().catch((error: unknown) => channel.fail(error)));
    return channel;
  }

  /** Resumes a thread whose connections are all ACTIVE, unless a rejected token is unchanged. */
  async #resumeConnected(
    pending: PendingAuthorization,
    via: "poll" | "webhook" | "verification",
  ): Promise<boolean> {
    if (await this.#runner.tokenStillRejected(pending)) return false;
    return this.#coordinator.start(pending, { action: "recheck" }, via);
  }
}
