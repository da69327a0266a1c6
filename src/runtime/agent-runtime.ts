import { randomUUID } from "node:crypto";
import { AIMessage, HumanMessage } from "langchain";
import type { Decision, ResumeValue } from "../agent/authorization-request.js";
import { createDelegateAgent, type DelegateAgent } from "../agent/create-delegate-agent.js";
import { resolveModel } from "../agent/model.js";
import { loadPromptTemplate } from "../agent/system-prompt.js";
import type { AccountStatus, AuthorizationLink } from "../auth/agent-auth.js";
import { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, IdentitySchema, scalekitIdentifier } from "../auth/identity.js";
import { ScalekitAgentAuth } from "../auth/scalekit-agent-auth.js";
import { listCatalog } from "../connectors/catalog.js";
import { ALL_CONNECTORS } from "../connectors/index.js";
import {
  CONNECTORS,
  type ConnectorId,
  connectionNames as resolveConnectionNames,
} from "../connectors/registry.js";
import { DelegateError, errorMessage } from "../errors.js";
import { type Logger, noopLogger } from "../logger.js";
import { AuthorizationWatcher, DEFAULT_POLL } from "./authorization-watcher.js";
import { EventBus } from "./event-bus.js";
import type { RuntimeEvent } from "./events.js";
import { ResumeCoordinator } from "./resume-coordinator.js";
import { RetentionSweeper } from "./retention.js";
import { validateRuntimeOptions } from "./runtime-options.js";
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
import { openStorage, type Storage } from "./storage.js";
import { ThreadErasure } from "./thread-erasure.js";
import { needsAncestorCheckpoints, ThreadHistory } from "./thread-history.js";
import { type PendingAuthorization, type ThreadStore, threadKey } from "./thread-store.js";
import { viewMessage, viewPending, viewWaiting } from "./thread-views.js";
import { TurnRunner } from "./turn-runner.js";
import {
  UserVerification,
  type VerifyUserInput,
  type VerifyUserResult,
  verificationOff,
} from "./user-verification.js";
import { WebhookHandler, type WebhookInput } from "./webhook-handler.js";

export type {
  AgentRuntime,
  AgentRuntimeOptions,
  ConnectionOverview,
  PendingAuthorizationView,
  SendInput,
  ThreadMessageView,
  ThreadRef,
  ThreadView,
  WaitingThreadView,
  WebhookResult,
} from "./runtime-types.js";
export type { VerificationOptions, VerifyUserInput, VerifyUserResult } from "./user-verification.js";

/**
 * Creates the runtime that embedders, the REPL and scripted runs share: threads scoped by user,
 * typed events, durable pending authorizations and exactly-once automatic resume.
 *
 * @throws DelegateError `CONFIG_INVALID` listing every problem with the options (e.g. no `model`).
 */
export async function createAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime> {
  const settings = validateRuntimeOptions(options);
  const logger = options.logger ?? noopLogger;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const enabled = settings.connectors;
  const baseAuth = options.agentAuth ?? new ScalekitAgentAuth(settings.scalekit!);
  const auth = baseAuth instanceof CachedAgentAuth ? baseAuth : new CachedAgentAuth(baseAuth, options.cache);
  const names = resolveConnectionNames(options.connections);
  const { model, label } = resolveModel(options.model);
  const [storage, promptTemplate, catalog] = await Promise.all([
    openStorage({ checkpointer: options.checkpointer, databaseUrl: options.databaseUrl }),
    loadPromptTemplate(options.promptPath),
    options.tools === "catalog"
      ? listCatalog({ auth, connectionNames: names, connectors: enabled })
      : Promise.resolve(undefined),
  ]);
  // Set once the runtime exists (the verification resumes through it); links are made later.
  let verification: UserVerification | undefined;
  const { agent } = createDelegateAgent({
    model,
    auth,
    connectors: ALL_CONNECTORS.filter((connector) => enabled.includes(connector.id)),
    connectionNames: names,
    checkpointer: storage.checkpointer,
    promptTemplate,
    timeZone,
    now,
    logger,
    catalog,
    approvals: options.approvals,
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.verification
      ? {
          linkOptions: (identity: Identity, connection: string, thread: string | undefined) =>
            verification?.linkOptions(identity, connection, thread),
        }
      : {}),
    ...(options.providerBaseUrls ? { baseUrls: options.providerBaseUrls } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    onToolAudit: (record) => {
      logger.info({ ...record }, "tool ran");
      options.onToolAudit?.(record);
    },
  });
  const runtime = new Runtime({
    agent,
    auth,
    storage,
    logger,
    names,
    enabled,
    timeoutMs: options.authorizationTimeoutMs ?? 10 * 60_000,
    poll: { ...DEFAULT_POLL, ...options.poll },
    onEvent: options.onEvent,
    webhookSecret: options.webhookSecret,
    info: { modelLabel: label, connectors: enabled },
    history: new ThreadHistory({
      checkpointer: storage.checkpointer,
      store: storage.store,
      pruner:
        options.checkpointHistory === "all" || needsAncestorCheckpoints(agent.graph)
          ? undefined
          : storage.pruner,
      logger,
    }),
    retention: options.retention,
  });
  if (options.verification) verification = runtime.enableVerification(options.verification);
  runtime.start();
  return runtime;
}

interface RuntimeDeps {
  agent: DelegateAgent;
  auth: CachedAgentAuth;
  storage: Storage;
  logger: Logger;
  names: ReturnType<typeof resolveConnectionNames>;
  enabled: ConnectorId[];
  timeoutMs: number;
  poll: typeof DEFAULT_POLL;
  onEvent: ((event: RuntimeEvent) => void) | undefined;
  webhookSecret: string | undefined;
  info: AgentRuntime["info"];
  history: ThreadHistory;
  retention: AgentRuntimeOptions["retention"];
}

/** A thread as the runtime addresses it: the caller's id and its scoped key. */
interface Target {
  key: string;
  threadId: string;
  identity: Identity;
}

class Runtime implements AgentRuntime {
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
  /** Threads this process saw pause for authorization (key → thread id), until their turn ends. */
  readonly #waitingHere = new Map<string, string>();
  #settleTimer: NodeJS.Timeout | undefined;
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
      owner,
      afterRun: (key) => deps.history.afterRun(key),
      firstCheckAt: (now) => this.#watcher.firstCheckAt(now),
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
    this.#bus.tap((key, event) => {
      this.#coordinator.observe(key, event);
      if (event.type === "authorization-required") this.#waitingHere.set(key, event.threadId);
      if (event.type === "turn-end") this.#waitingHere.delete(key);
    });
    this.#erasure = new ThreadErasure({
      history: deps.history,
      store: this.#store,
      coordinator: this.#coordinator,
      bus: this.#bus,
      logger: deps.logger,
      forget: (key) => this.#waitingHere.delete(key),
    });
    this.#retention = deps.retention
      ? new RetentionSweeper({
          ...deps.retention,
          store: this.#store,
          logger: deps.logger,
          erase: (thread) => this.#erasure.erase(thread.key, thread.threadId),
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
    // Another replica may resume a thread this one was streaming: notice, and end the stream.
    this.#settleTimer = setInterval(() => void this.#settleResumedElsewhere(), 2_000);
    this.#settleTimer.unref();
    this.#retention?.start();
  }

  send(input: SendInput): AsyncIterable<RuntimeEvent> {
    const wait = input.waitForAuthorization ?? true;
    const target = this.#target(input);
    const { channel, attach } = this.#bus.channel(
      target.key,
      (event) => event.type === "turn-end" || (!wait && event.type === "authorization-required"),
    );
    const run = async () => {
      if (typeof input.text !== "string" || !input.text.trim()) {
        throw new DelegateError("INVALID_INPUT", "The message text is empty.");
      }
      await this.#coordinator.withLock(target.key, async () => {
        // Listen from this run on; the thread is the caller's by construction of its key.
        attach();
        if (await this.#store.getPending(target.key)) {
          throw new DelegateError(
            "THREAD_BUSY",
            "This thread is waiting for an account to be connected. Finish connecting, or cancel the authorization, before sending a new message.",
            { details: { threadId: target.threadId } },
          );
        }
        await this.#store.touchThread(target.identity, target.threadId);
        this.#deps.logger.info({ threadId: target.threadId, userId: target.identity.userId }, "turn started");
        await this.#runner.run(target, { messages: [new HumanMessage(input.text)] });
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
      const { channel } = this.#bus.channel("", () => true);
      channel.fail(
        new DelegateError("INVALID_INPUT", "decide needs decisions, each naming its call by toolCallId."),
      );
      return channel;
    }
    return this.#control(input, { decisions });
  }

  async deleteThread(input: ThreadRef): Promise<boolean> {
    const target = this.#target(input);
    return this.#erasure.erase(target.key, target.threadId);
  }

  async deleteUserData(
    identity: Identity,
    options: { disconnect?: boolean } = {},
  ): Promise<{ threads: number; disconnected: ConnectorId[] }> {
    const user = this.#identity(identity);
    const threads = await this.#erasure.eraseUser(user);
    const disconnected: ConnectorId[] = [];
    if (options.disconnect) {
      for (const connection of await this.listConnections(user)) {
        if (connection.status === "NOT_FOUND") continue;
        await this.disconnect(user, connection.connector);
        disconnected.push(connection.connector);
      }
    }
    return { threads, disconnected };
  }

  async getThread(input: ThreadRef): Promise<ThreadView> {
    const target = this.#target(input);
    const record = await this.#store.getThread(target.key);
    if (!record) throw notFound(target.threadId);
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
    const user = this.#identity(identity);
    const pending = await this.#store.listPendingFor(scalekitIdentifier(user));
    return pending
      .filter(
        (item) =>
          item.identity.userId === user.userId &&
          (item.identity.organizationId ?? "") === (user.organizationId ?? ""),
      )
      .map(viewPending);
  }

  async listWaitingThreads(): Promise<WaitingThreadView[]> {
    return (await this.#store.listPending()).map(viewWaiting);
  }

  async handleWebhook(input: WebhookInput): Promise<WebhookResult> {
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
    const user = this.#identity(identity);
    const connections = this.#deps.enabled.map((id) => this.#deps.names[id]);
    // What the person sees (and the REPL polls after /connect) is never a stale "not connected".
    const statuses = await this.#deps.auth.getStatuses(user, connections, { inactiveSince: Date.now() });
    return this.#deps.enabled.map((id) => ({
      connector: id,
      displayName: CONNECTORS[id].displayName,
      connection: this.#deps.names[id],
      status: statuses.get(this.#deps.names[id])?.status ?? "NOT_FOUND",
    }));
  }

  async connect(
    identity: Identity,
    connector: ConnectorId,
  ): Promise<AuthorizationLink & { status: AccountStatus }> {
    const user = this.#identity(identity);
    const connection = this.#connection(connector);
    let state = (await this.#deps.auth.getStatuses(user, [connection])).get(connection);
    if (!state || state.status === "NOT_FOUND") state = await this.#deps.auth.ensureAccount(user, connection);
    const options = await this.#verification?.linkOptions(user, connection, undefined);
    const link = await this.#deps.auth.getAuthorizationLink(user, connection, options);
    // The person is about to consent: the next look-up asks Scalekit rather than the cache.
    this.#deps.auth.invalidate(user, connection);
    return { ...link, status: state.status };
  }

  async verifyUser(input: VerifyUserInput): Promise<VerifyUserResult> {
    const session = this.#identity(input);
    if (!this.#verification) throw verificationOff();
    return this.#verification.verify(input, session);
  }

  async disconnect(identity: Identity, connector: ConnectorId): Promise<void> {
    await this.#deps.auth.disconnect(this.#identity(identity), this.#connection(connector));
  }

  subscribe(thread: ThreadRef, listener: (event: RuntimeEvent) => void): () => void {
    return this.#bus.subscribe(this.#target(thread).key, listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher.stop();
    await this.#retention?.stop();
    clearInterval(this.#settleTimer);
    await this.#coordinator.close();
    this.#bus.endAll();
    await this.#deps.storage.close();
  }

  // ---- internals -------------------------------------------------------------------------

  #connection(connector: ConnectorId): string {
    if (!this.#deps.enabled.includes(connector)) {
      throw new DelegateError(
        "UNKNOWN_CONNECTOR",
        `Unknown or disabled connector "${connector}". Enabled: ${this.#deps.enabled.join(", ")}.`,
      );
    }
    return this.#deps.names[connector];
  }

  #identity(identity: Partial<Identity> | undefined): Identity {
    const parsed = IdentitySchema.safeParse({
      userId: identity?.userId,
      organizationId: identity?.organizationId,
    });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new DelegateError("INVALID_INPUT", `Invalid user (${problems.join("; ")}).`, {
        details: { problems },
      });
    }
    return parsed.data;
  }

  #target(ref: ThreadRef): Target {
    const identity = this.#identity(ref);
    const threadId = ref.threadId;
    if (typeof threadId !== "string" || !/^[^\s/]{1,128}$/.test(threadId)) {
      throw new DelegateError("INVALID_INPUT", 'threadId must be 1-128 characters without spaces or "/".', {
        details: { problems: ["threadId"] },
      });
    }
    return { key: threadKey(identity, threadId), threadId, identity };
  }

  #control(input: ThreadRef, value: ResumeValue): AsyncIterable<RuntimeEvent> {
    const target = this.#target(input);
    const { channel, attach } = this.#bus.channel(
      target.key,
      (event) =>
        event.type === "turn-end" || event.type === "authorization-required" || event.type === "error",
    );
    const run = async () => {
      attach();
      const deciding = !("action" in value);
      // A decision may meet a resume already running here (a poll that just saw the connection):
      // it waits for that run, then applies to what the thread waits for then.
      for (let attempt = 0; ; attempt++) {
        if (deciding) await this.#coordinator.idle(target.key);
        const pending = await this.#store.getPending(target.key);
        if (!pending) {
          if (!(await this.#store.getThread(target.key))) throw notFound(target.threadId);
          throw new DelegateError(
            "THREAD_NOT_WAITING",
            "This thread is not waiting for an authorization or a decision.",
            {
              details: { threadId: target.threadId },
            },
          );
        }
        if (deciding && pending.approvals.length === 0) {
          throw new DelegateError("THREAD_NOT_WAITING", "This thread is not waiting for a decision.", {
            details: { threadId: target.threadId },
          });
        }
        if ("action" in value && value.action === "recheck") {
          // An explicit recheck looks again at Scalekit and hands out fresh links.
          for (const connection of pending.connections) {
            this.#deps.auth.invalidate(target.identity, connection);
            this.#deps.auth.forgetLink(target.identity, connection);
          }
        }
        if (await this.#coordinator.start(pending, value, "manual")) return;
        if (!deciding || attempt >= DECIDE_ATTEMPTS) {
          throw new DelegateError("THREAD_BUSY", "This thread is already being resumed.", {
            details: { threadId: target.threadId },
          });
        }
        // Claimed elsewhere (another replica): give it a moment to settle, then look again.
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
      }
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

  /** Ends the wait of threads whose turn another process finished (their row is gone). */
  async #settleResumedElsewhere(): Promise<void> {
    const watched = [...this.#waitingHere].filter(
      ([key]) => !this.#coordinator.isBusy(key) && this.#bus.hasListeners(key),
    );
    if (watched.length === 0) return;
    // One query for all of them: thousands may wait with a stream open.
    let still: Set<string>;
    try {
      still = await this.#store.pendingKeys(watched.map(([key]) => key));
    } catch (error) {
      this.#deps.logger.debug({ error: errorMessage(error) }, "could not settle threads");
      return;
    }
    for (const [key, threadId] of watched) {
      if (still.has(key)) continue;
      try {
        if (await this.#store.getPending(key)) continue;
        if (this.#coordinator.isBusy(key)) continue;
        const snapshot = await this.#deps.agent.graph.getState({ configurable: { thread_id: key } });
        const messages = ((snapshot.values ?? {}) as { messages?: unknown[] }).messages ?? [];
        const last = messages.at(-1);
        const text = AIMessage.isInstance(last) ? last.text : undefined;
        if (text) this.#bus.publish(key, { type: "message", threadId, role: "assistant", text });
        this.#bus.publish(key, {
          type: "turn-end",
          threadId,
          status: "completed",
          ...(text ? { text } : {}),
        });
      } catch (error) {
        this.#deps.logger.debug({ key, error: errorMessage(error) }, "could not settle a thread");
      }
    }
  }
}

/** How often a decision retries a thread another replica is resuming before it reports THREAD_BUSY. */
const DECIDE_ATTEMPTS = 20;

function notFound(threadId: string): DelegateError {
  return new DelegateError("THREAD_NOT_FOUND", `No thread "${threadId}".`, { details: { threadId } });
}
