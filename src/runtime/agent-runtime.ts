import { createHash, randomUUID } from "node:crypto";
import { Command } from "@langchain/langgraph";
import { AIMessage, HumanMessage } from "langchain";
import { isAuthorizationInterrupt, type ResumeValue } from "../agent/authorization-request.js";
import { createDelegateAgent, type DelegateAgent } from "../agent/create-delegate-agent.js";
import { createChatModel, type OpenAIModelSettings } from "../agent/model.js";
import type { RunContext } from "../agent/run-context.js";
import { loadPromptTemplate } from "../agent/system-prompt.js";
import type { AccountStatus, AuthorizationLink } from "../auth/agent-auth.js";
import { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, IdentitySchema, scalekitIdentifier } from "../auth/identity.js";
import {
  ScalekitAgentAuth,
  type ScalekitSettings,
  verifyScalekitWebhook,
} from "../auth/scalekit-agent-auth.js";
import { loadCatalogTools } from "../connectors/catalog.js";
import { ALL_CONNECTORS } from "../connectors/index.js";
import {
  CONNECTOR_IDS,
  CONNECTORS,
  type ConnectorId,
  connectionNames as resolveConnectionNames,
} from "../connectors/registry.js";
import { DelegateError, errorMessage } from "../errors.js";
import { type Logger, noopLogger } from "../logger.js";
import { AuthorizationWatcher, DEFAULT_POLL, type PollSettings } from "./authorization-watcher.js";
import { EventChannel } from "./event-channel.js";
import { EventTranslator } from "./event-translator.js";
import type { RuntimeEvent } from "./events.js";
import { codeOf, describeRunError } from "./run-errors.js";
import type {
  AgentRuntime,
  AgentRuntimeOptions,
  ConnectionOverview,
  PendingAuthorizationView,
  SendInput,
  ThreadRef,
  ThreadView,
  WebhookResult,
} from "./runtime-types.js";
import { openStorage, type Storage } from "./storage.js";
import type { PendingAuthorization, ThreadRegistry } from "./thread-registry.js";
import { mergeRequests, viewMessage, viewPending } from "./thread-views.js";

export type {
  AgentRuntime,
  AgentRuntimeOptions,
  ConnectionOverview,
  PendingAuthorizationView,
  SendInput,
  ThreadMessageView,
  ThreadRef,
  ThreadView,
  WebhookResult,
} from "./runtime-types.js";

const LEASE_MS = 120_000;

/**
 * Creates the runtime that embedders, the REPL and scripted runs share: threads owned by users,
 * typed events, durable pending authorizations and exactly-once automatic resume.
 */
export async function createAgentRuntime(options: AgentRuntimeOptions = {}): Promise<AgentRuntime> {
  const logger = options.logger ?? noopLogger;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const enabled = [...(options.connectors ?? CONNECTOR_IDS)];
  const unknown = enabled.filter((id) => !CONNECTOR_IDS.includes(id));
  if (unknown.length > 0) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Unknown connector(s): ${unknown.join(", ")}. Known: ${CONNECTOR_IDS.join(", ")}.`,
    );
  }
  if (!options.agentAuth && !options.scalekit) {
    throw new DelegateError(
      "CONFIG_INVALID",
      "createAgentRuntime needs `scalekit` settings or an `agentAuth`. For local development start the sandbox with startSandbox() and pass its settings.",
    );
  }
  const baseAuth = options.agentAuth ?? new ScalekitAgentAuth(options.scalekit as ScalekitSettings);
  const auth = baseAuth instanceof CachedAgentAuth ? baseAuth : new CachedAgentAuth(baseAuth, options.cache);
  const names = resolveConnectionNames(options.connections);
  const storage: Storage = await openStorage({
    ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  const registry: ThreadRegistry = storage.registry;
  const modelChoice =
    options.model && "invoke" in options.model
      ? { model: options.model, label: options.model.getName(), offline: false }
      : createChatModel(options.model as OpenAIModelSettings | undefined, { timeZone, now });
  const promptTemplate = await loadPromptTemplate(options.promptPath);
  const catalog =
    options.tools === "catalog"
      ? await loadCatalogTools({
          auth,
          connectionNames: names,
          connectors: enabled,
          listingIdentity: { userId: "delegate-catalog" },
        })
      : undefined;
  const { agent } = createDelegateAgent({
    model: modelChoice.model,
    auth,
    connectors: ALL_CONNECTORS.filter((connector) => enabled.includes(connector.id)),
    connectionNames: names,
    checkpointer: storage.checkpointer,
    promptTemplate,
    timeZone,
    now,
    logger,
    ...(options.providerBaseUrls ? { baseUrls: options.providerBaseUrls } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(catalog ? { directTools: false, extraTools: catalog } : {}),
    onToolAudit: (record) => {
      logger.info({ ...record }, "tool ran");
      options.onToolAudit?.(record);
    },
  });
  const runtime = new Runtime({
    agent,
    auth,
    registry,
    storage,
    logger,
    names,
    enabled,
    timeoutMs: options.authorizationTimeoutMs ?? 10 * 60_000,
    poll: { ...DEFAULT_POLL, ...options.poll },
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
    info: { modelLabel: modelChoice.label, offlineModel: modelChoice.offline, connectors: enabled },
  });
  runtime.start();
  return runtime;
}

interface RuntimeDeps {
  agent: DelegateAgent;
  auth: CachedAgentAuth;
  registry: ThreadRegistry;
  storage: Storage;
  logger: Logger;
  names: ReturnType<typeof resolveConnectionNames>;
  enabled: ConnectorId[];
  timeoutMs: number;
  poll: PollSettings;
  onEvent?: (event: RuntimeEvent) => void;
  webhookSecret?: string;
  info: AgentRuntime["info"];
}

type RunInput = { messages: HumanMessage[] } | Command;

class Runtime implements AgentRuntime {
  readonly info: AgentRuntime["info"];
  readonly auth: CachedAgentAuth;
  readonly #deps: RuntimeDeps;
  readonly #owner = `runtime-${randomUUID()}`;
  readonly #listeners = new Map<string, Set<(event: RuntimeEvent) => void>>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #background = new Set<Promise<void>>();
  readonly #watcher: AuthorizationWatcher;
  /**
   * For threads waiting because a provider rejected a token: fingerprints of the rejected tokens.
   * An account Scalekit still calls ACTIVE is only ready once its token changed.
   */
  readonly #rejectedTokens = new Map<string, Map<string, string>>();
  /** Threads this process saw pause for authorization, until their turn ends here or elsewhere. */
  readonly #waitingHere = new Set<string>();
  #settleTimer: NodeJS.Timeout | undefined;
  /** Open event streams, ended on close(). */
  readonly #channels = new Set<EventChannel<RuntimeEvent>>();
  /** Threads whose last resume failed: when to try again, and how many failures so far. */
  readonly #retryAt = new Map<string, { at: number; failures: number }>();
  /** Connections already announced as connected, per waiting thread. */
  readonly #announced = new Map<string, Set<string>>();
  #closed = false;

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
    this.info = deps.info;
    this.auth = deps.auth;
    this.#watcher = new AuthorizationWatcher({
      registry: deps.registry,
      auth: deps.auth,
      poll: deps.poll,
      logger: deps.logger,
      now: Date.now,
      leaseMs: LEASE_MS,
      onReady: (pending) => this.#resumeConnected(pending, "poll"),
      onProgress: (pending, active) => this.#reportProgress(pending.threadId, active, "poll"),
      onExpired: async (pending) => {
        await this.#startResume(pending, { action: "cancel", reason: "timeout" }, "timeout");
      },
    });
  }

  start(): void {
    this.#watcher.start();
    // Another replica may resume a thread this one was streaming: notice, and end the stream.
    this.#settleTimer = setInterval(() => void this.#settleResumedElsewhere(), 2_000);
    this.#settleTimer.unref();
  }

  send(input: SendInput): AsyncIterable<RuntimeEvent> {
    const wait = input.waitForAuthorization ?? true;
    const { channel, attach } = this.#channel(
      input.threadId,
      (event) => event.type === "turn-end" || (!wait && event.type === "authorization-required"),
    );
    const run = async () => {
      const identity = this.#identity(input);
      if (!input.text.trim()) throw new DelegateError("CONFIG_INVALID", "The message text is empty.");
      await this.#authorize(input.threadId, identity, true);
      await this.#withLock(input.threadId, async () => {
        // Listen only once the caller is known to own the thread, and from this run on.
        attach();
        if (await this.#deps.registry.getPending(input.threadId)) {
          throw new DelegateError(
            "THREAD_BUSY",
            "This thread is waiting for an account to be connected. Finish connecting, or cancel the authorization, before sending a new message.",
            { details: { threadId: input.threadId } },
          );
        }
        this.#deps.logger.info({ threadId: input.threadId, userId: identity.userId }, "turn started");
        await this.#run(input.threadId, identity, { messages: [new HumanMessage(input.text)] });
      });
    };
    this.#track(run().catch((error: unknown) => channel.fail(error)));
    return channel;
  }

  resume(input: ThreadRef): AsyncIterable<RuntimeEvent> {
    return this.#control(input, { action: "recheck" }, "manual");
  }

  cancel(input: ThreadRef): AsyncIterable<RuntimeEvent> {
    return this.#control(input, { action: "cancel" }, "manual");
  }

  async getThread(input: ThreadRef): Promise<ThreadView> {
    const identity = this.#identity(input);
    const record = await this.#authorize(input.threadId, identity, false);
    const snapshot = await this.#deps.agent.graph.getState({ configurable: { thread_id: input.threadId } });
    const values = (snapshot.values ?? {}) as { messages?: unknown[] };
    const pending = await this.#deps.registry.getPending(input.threadId);
    return {
      threadId: input.threadId,
      userId: record.userId,
      messages: (values.messages ?? []).flatMap(viewMessage),
      ...(pending ? { pendingAuthorization: viewPending(pending) } : {}),
    };
  }

  async listPendingAuthorizations(filter: { userId?: string } = {}): Promise<PendingAuthorizationView[]> {
    const pending = await this.#deps.registry.listPending();
    return pending
      .filter((item) => !filter.userId || item.identity.userId === filter.userId)
      .map(viewPending);
  }

  async handleWebhook(input: {
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }): Promise<WebhookResult> {
    if (!this.#deps.webhookSecret) return { status: 401, resumedThreads: [] };
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.headers)) {
      if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
    }
    if (!verifyScalekitWebhook(this.#deps.webhookSecret, headers, input.body))
      return { status: 401, resumedThreads: [] };
    let event: { type?: string; data?: { identifier?: string; connection_name?: string; status?: string } };
    try {
      event = JSON.parse(input.body);
    } catch {
      return { status: 400, resumedThreads: [] };
    }
    const data = event.data;
    if (!event.type?.startsWith("connected_account.") || !data?.identifier)
      return { status: 202, resumedThreads: [] };
    // Any change to an account (revoked, expired, reconnected) makes what the cache knows stale.
    if (data.connection_name) this.#deps.auth.invalidateIdentifier(data.identifier, data.connection_name);
    const pending = (await this.#deps.registry.listPending()).filter(
      (item) =>
        item.state === "waiting" &&
        item.identifier === data.identifier &&
        (!data.connection_name || item.connections.includes(data.connection_name)),
    );
    const resumed: string[] = [];
    for (const item of pending) {
      // Without a connection name the event may concern any of the thread's connections.
      if (!data.connection_name) {
        for (const connection of item.connections) this.#deps.auth.invalidate(item.identity, connection);
      }
      if (data.status !== "ACTIVE") continue;
      const statuses = await this.#deps.auth.getStatuses(item.identity, item.connections);
      if (item.connections.every((connection) => statuses.get(connection)?.status === "ACTIVE")) {
        if (await this.#resumeConnected(item, "webhook")) resumed.push(item.threadId);
      }
    }
    return { status: 200, resumedThreads: resumed };
  }

  async listConnections(identity: Identity): Promise<ConnectionOverview[]> {
    const parsed = IdentitySchema.parse(identity);
    const connections = this.#deps.enabled.map((id) => this.#deps.names[id]);
    const statuses = await this.#deps.auth.getStatuses(parsed, connections);
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
    const parsed = IdentitySchema.parse(identity);
    const connection = this.#connection(connector);
    let state = (await this.#deps.auth.getStatuses(parsed, [connection])).get(connection);
    if (!state || state.status === "NOT_FOUND")
      state = await this.#deps.auth.ensureAccount(parsed, connection);
    const link = await this.#deps.auth.getAuthorizationLink(parsed, connection);
    return { ...link, status: state.status };
  }

  async disconnect(identity: Identity, connector: ConnectorId): Promise<void> {
    await this.#deps.auth.disconnect(IdentitySchema.parse(identity), this.#connection(connector));
  }

  subscribe(threadId: string, listener: (event: RuntimeEvent) => void): () => void {
    const set = this.#listeners.get(threadId) ?? new Set();
    set.add(listener);
    this.#listeners.set(threadId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(threadId);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher.stop();
    clearInterval(this.#settleTimer);
    await Promise.allSettled([...this.#background]);
    for (const channel of this.#channels) channel.end();
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

  #identity(ref: ThreadRef): Identity {
    const parsed = IdentitySchema.safeParse({ userId: ref.userId, organizationId: ref.organizationId });
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; ");
      throw new DelegateError("CONFIG_INVALID", `Invalid identity (${problems}).`);
    }
    if (!ref.threadId || typeof ref.threadId !== "string") {
      throw new DelegateError("CONFIG_INVALID", "threadId must be a non-empty string.");
    }
    return parsed.data;
  }

  /** The owner check every thread operation goes through. */
  async #authorize(threadId: string, identity: Identity, create: boolean) {
    const existing = await this.#deps.registry.getThread(threadId);
    if (existing) {
      if (!sameOwner(existing, identity)) {
        throw new DelegateError("THREAD_FORBIDDEN", "This thread belongs to another user.", {
          details: { threadId },
        });
      }
      return existing;
    }
    if (!create)
      throw new DelegateError("THREAD_NOT_FOUND", `No thread "${threadId}".`, { details: { threadId } });
    // Two users may create the same new thread id at once: only the row's owner may go on.
    const record = await this.#deps.registry.ensureThread(threadId, identity);
    if (!sameOwner(record, identity)) {
      throw new DelegateError("THREAD_FORBIDDEN", "This thread belongs to another user.", {
        details: { threadId },
      });
    }
    return record;
  }

  #control(input: ThreadRef, value: ResumeValue, via: "manual"): AsyncIterable<RuntimeEvent> {
    const { channel, attach } = this.#channel(
      input.threadId,
      (event) =>
        event.type === "turn-end" || event.type === "authorization-required" || event.type === "error",
    );
    const run = async () => {
      const identity = this.#identity(input);
      await this.#authorize(input.threadId, identity, false);
      attach();
      const pending = await this.#deps.registry.getPending(input.threadId);
      if (!pending) {
        throw new DelegateError("THREAD_NOT_FOUND", "This thread is not waiting for an authorization.", {
          details: { threadId: input.threadId },
        });
      }
      if (value.action === "recheck") {
        // An explicit recheck looks again at Scalekit and hands out fresh links.
        for (const connection of pending.connections) {
          this.#deps.auth.invalidate(identity, connection);
          this.#deps.auth.forgetLink(identity, connection);
        }
      }
      const started = await this.#startResume(pending, value, via);
      if (!started) {
        throw new DelegateError("THREAD_BUSY", "This thread is already being resumed.", {
          details: { threadId: input.threadId },
        });
      }
    };
    this.#track(run().catch((error: unknown) => channel.fail(error)));
    return channel;
  }

  /**
   * Claims the thread (the exactly-once guard) and runs the resume in the background.
   * Returns false when another caller already claimed it.
   */
  async #startResume(
    pending: PendingAuthorization,
    value: ResumeValue,
    via: "poll" | "webhook" | "manual" | "timeout",
  ): Promise<boolean> {
    if (this.#closed) return false;
    const retry = this.#retryAt.get(pending.threadId);
    if (retry && retry.at > Date.now() && via !== "manual") return false;
    if (!(await this.#deps.registry.claim(pending.threadId, this.#owner, LEASE_MS))) return false;
    const threadId = pending.threadId;
    this.#deps.logger.info(
      { threadId, userId: pending.identity.userId, via, action: value.action },
      "resuming thread",
    );
    // Keep the claim fresh while the resume runs, so no other replica takes it over.
    const heartbeat = setInterval(() => {
      void this.#deps.registry.renew(threadId, this.#owner).catch(() => {});
    }, LEASE_MS / 4);
    heartbeat.unref();
    const task = this.#withLock(threadId, async () => {
      if (via === "timeout") {
        this.#publish({ type: "authorization-expired", threadId, connections: pending.connections });
      } else if (value.action === "cancel") {
        this.#publish({ type: "authorization-cancelled", threadId, connections: pending.connections });
      }
      // A cancelled or timed-out request's links are spent (or may have been used to refuse);
      // the next request for these connections gets fresh ones.
      if (value.action === "cancel") {
        for (const connection of pending.connections)
          this.#deps.auth.forgetLink(pending.identity, connection);
      }
      const snapshot = await this.#deps.agent.graph.getState({ configurable: { thread_id: threadId } });
      const ids = (snapshot.tasks ?? []).flatMap((task) =>
        task.result === undefined ? (task.interrupts ?? []).map((item) => item.id).filter(Boolean) : [],
      ) as string[];
      if (ids.length === 0) {
        // Nothing is actually waiting in the checkpoint (e.g. finished elsewhere): forget it.
        await this.#deps.registry.clearPending(threadId);
        this.#publish({ type: "turn-end", threadId, status: "completed" });
        return;
      }
      if (value.action === "recheck") {
        const statuses = await this.#deps.auth.getStatuses(pending.identity, pending.connections);
        const active = pending.connections.filter(
          (connection) => statuses.get(connection)?.status === "ACTIVE",
        );
        this.#reportProgress(threadId, active, via === "timeout" ? "manual" : via);
      }
      const resume = Object.fromEntries(ids.map((id) => [id, value]));
      const controls =
        value.action === "cancel"
          ? {
              cancelledToolCalls: pending.requests.flatMap((request) => request.toolCallIds),
              cancelReason: value.reason ?? "declined",
            }
          : {};
      await this.#run(threadId, pending.identity, new Command({ resume }), pending, controls);
    })
      .finally(() => clearInterval(heartbeat))
      .then(() => this.#retryAt.delete(threadId))
      .catch(async (error: unknown) => {
        // Keep the thread waiting, but back off (1 s, 2 s, … 60 s) so a persistent failure
        // does not spin.
        await this.#deps.registry.release(threadId, this.#owner).catch(() => {});
        const failures = (this.#retryAt.get(threadId)?.failures ?? 0) + 1;
        this.#retryAt.set(threadId, {
          at: Date.now() + Math.min(1000 * 2 ** (failures - 1), 60_000),
          failures,
        });
        this.#deps.logger.error({ threadId, error: errorMessage(error) }, "resume failed");
        this.#publish({ type: "error", threadId, code: codeOf(error), message: errorMessage(error) });
      });
    this.#track(task);
    return true;
  }

  /** One graph run; its events go to the thread's listeners and the onEvent hook. */
  async #run(
    threadId: string,
    identity: Identity,
    input: RunInput,
    previous?: PendingAuthorization,
    controls: Omit<RunContext, "userId" | "organizationId"> = {},
  ): Promise<void> {
    const translator = new EventTranslator(threadId);
    try {
      const stream = await this.#deps.agent.stream(input as never, {
        configurable: { thread_id: threadId },
        context: { ...identity, ...controls },
        streamMode: ["messages", "updates"],
      });
      for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
        for (const event of translator.translate(mode, chunk)) this.#publish(event);
      }
    } catch (error) {
      // If the checkpoint still has an interrupt (the run failed before answering it), the
      // thread keeps waiting; otherwise the wait, if any, is over.
      if (await this.#hasPendingInterrupt(threadId)) await this.#deps.registry.release(threadId, this.#owner);
      else await this.#deps.registry.clearPending(threadId);
      this.#announced.delete(threadId);
      const code = codeOf(error);
      this.#deps.logger.error({ threadId, code, error: errorMessage(error) }, "turn failed");
      this.#publish({ type: "error", threadId, code, message: describeRunError(error) });
      this.#publish({ type: "turn-end", threadId, status: "failed" });
      return;
    }
    const authorizations = translator.summary.interrupts
      .map((item) => item.value)
      .filter(isAuthorizationInterrupt);
    if (authorizations.length > 0) {
      const requests = mergeRequests(authorizations.flatMap((item) => item.requests));
      const first = authorizations[0]!;
      const connections = requests.map((request) => request.connection);
      // A recheck of the same request keeps its deadline; a new kind of request gets a fresh one.
      const sameRequest =
        previous !== undefined &&
        previous.reason === first.reason &&
        connections.every((connection) => previous.connections.includes(connection));
      const createdAt = sameRequest ? previous.createdAt : Date.now();
      const deadlineAt = sameRequest ? previous.deadlineAt : Date.now() + this.#deps.timeoutMs;
      if (!sameRequest) this.#announced.delete(threadId);
      await this.#deps.registry.putPending({
        threadId,
        identity,
        identifier: scalekitIdentifier(identity),
        connections,
        requests,
        reason: first.reason,
        createdAt,
        deadlineAt,
      });
      if (first.reason === "token_rejected") {
        this.#rejectedTokens.set(threadId, await this.#tokenFingerprints(identity, connections));
      } else {
        this.#rejectedTokens.delete(threadId);
      }
      this.#deps.logger.info(
        { threadId, userId: identity.userId, connections, reason: first.reason },
        "waiting for authorization",
      );
      this.#publish({
        type: "authorization-required",
        threadId,
        requests,
        message: first.message,
        reason: first.reason,
        deadline: new Date(deadlineAt).toISOString(),
      });
      this.#watcher.wake();
      return;
    }
    await this.#deps.registry.clearPending(threadId);
    this.#announced.delete(threadId);
    this.#rejectedTokens.delete(threadId);
    this.#deps.logger.info({ threadId, userId: identity.userId }, "turn completed");
    this.#publish({
      type: "turn-end",
      threadId,
      status: "completed",
      ...(translator.summary.lastText ? { text: translator.summary.lastText } : {}),
    });
  }

  /** Ends the wait of threads whose turn another process finished (their row is gone). */
  async #settleResumedElsewhere(): Promise<void> {
    for (const threadId of [...this.#waitingHere]) {
      if (this.#locks.has(threadId) || !this.#listeners.has(threadId)) continue;
      try {
        if (await this.#deps.registry.getPending(threadId)) continue;
        if (this.#locks.has(threadId)) continue;
        const snapshot = await this.#deps.agent.graph.getState({ configurable: { thread_id: threadId } });
        const messages = ((snapshot.values ?? {}) as { messages?: unknown[] }).messages ?? [];
        const last = messages.at(-1);
        const text = AIMessage.isInstance(last) ? last.text : undefined;
        if (text) this.#publish({ type: "message", threadId, role: "assistant", text });
        this.#publish({ type: "turn-end", threadId, status: "completed", ...(text ? { text } : {}) });
      } catch (error) {
        this.#deps.logger.debug({ threadId, error: errorMessage(error) }, "could not settle a thread");
      }
    }
  }

  /** Resumes a thread whose connections are all ACTIVE, unless a rejected token is unchanged. */
  async #resumeConnected(pending: PendingAuthorization, via: "poll" | "webhook"): Promise<boolean> {
    if (await this.#tokenStillRejected(pending)) return false;
    return this.#startResume(pending, { action: "recheck" }, via);
  }

  /** Short fingerprints (never the tokens) of the user's current provider tokens. */
  async #tokenFingerprints(identity: Identity, connections: readonly string[]): Promise<Map<string, string>> {
    const fingerprints = new Map<string, string>();
    for (const connection of connections) {
      try {
        const credentials = await this.#deps.auth.inner.getCredentials(identity, connection);
        fingerprints.set(connection, fingerprint(credentials.accessToken));
      } catch {
        // Not ACTIVE any more: the ordinary status check decides.
      }
    }
    return fingerprints;
  }

  /** True while every rejected token is still the one Scalekit hands out. */
  async #tokenStillRejected(pending: PendingAuthorization): Promise<boolean> {
    const rejected = this.#rejectedTokens.get(pending.threadId);
    if (pending.reason !== "token_rejected" || !rejected || rejected.size === 0) return false;
    const current = await this.#tokenFingerprints(pending.identity, [...rejected.keys()]);
    return [...rejected].some(([connection, value]) => current.get(connection) === value);
  }

  async #hasPendingInterrupt(threadId: string): Promise<boolean> {
    try {
      const snapshot = await this.#deps.agent.graph.getState({ configurable: { thread_id: threadId } });
      return (snapshot.tasks ?? []).some(
        (task) => task.result === undefined && (task.interrupts ?? []).length > 0,
      );
    } catch {
      return false;
    }
  }

  /** Announces newly connected accounts of a waiting thread, each once. */
  #reportProgress(threadId: string, active: string[], via: "poll" | "webhook" | "manual"): void {
    const announced = this.#announced.get(threadId) ?? new Set<string>();
    const fresh = active.filter((connection) => !announced.has(connection));
    if (fresh.length === 0) return;
    for (const connection of fresh) announced.add(connection);
    this.#announced.set(threadId, announced);
    this.#publish({ type: "authorization-completed", threadId, connections: fresh, via });
  }

  /** A stream of one thread's events; it receives nothing until `attach()`. */
  #channel(threadId: string, isLast: (event: RuntimeEvent) => boolean) {
    let unsubscribe: () => void = () => {};
    const channel: EventChannel<RuntimeEvent> = new EventChannel<RuntimeEvent>(() => {
      unsubscribe();
      this.#channels.delete(channel);
    });
    this.#channels.add(channel);
    const attach = () => {
      unsubscribe = this.subscribe(threadId, (event) => {
        channel.push(event);
        if (isLast(event)) channel.end();
      });
    };
    return { channel, attach };
  }

  #publish(event: RuntimeEvent): void {
    if (event.type === "authorization-required") this.#waitingHere.add(event.threadId);
    if (event.type === "turn-end") this.#waitingHere.delete(event.threadId);
    for (const listener of [...(this.#listeners.get(event.threadId) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.#deps.logger.warn({ error: errorMessage(error) }, "event listener threw");
      }
    }
    try {
      this.#deps.onEvent?.(event);
    } catch (error) {
      this.#deps.logger.warn({ error: errorMessage(error) }, "onEvent hook threw");
    }
  }

  /** Runs one operation per thread at a time in this process. */
  async #withLock(threadId: string, run: () => Promise<void>): Promise<void> {
    const previous = this.#locks.get(threadId) ?? Promise.resolve();
    const current = previous.then(run, run);
    const settled = current.catch(() => {});
    this.#locks.set(threadId, settled);
    try {
      await current;
    } finally {
      if (this.#locks.get(threadId) === settled) this.#locks.delete(threadId);
    }
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => {},
      () => {},
    );
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }
}

function sameOwner(record: { userId: string; organizationId?: string }, identity: Identity): boolean {
  return (
    record.userId === identity.userId && (record.organizationId ?? "") === (identity.organizationId ?? "")
  );
}

function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}
