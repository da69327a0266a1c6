import { randomUUID } from "node:crypto";
import type { AuthorizationRequest } from "../../agent/authorization-request.js";
import {
  type ConnectorId,
  type DelegateConfig,
  errorMessage,
  type Identity,
  isConnectorId,
  type Logger,
  type RuntimeEvent,
} from "../../index.js";
import { openSession, type Session } from "../bootstrap.js";
import { evaluate } from "./expectations.js";
import type { AuthorizationNeeded, Reporter, ScriptResult } from "./reporter.js";
import type { RecordedEvent, RunRecord } from "./run-record.js";
import type { LoadedScript } from "./script-loader.js";
import { type AuthTurn, isUserTurn, type ModelChoice, type OnAuthPolicy } from "./script-schema.js";

export interface RunScriptOptions {
  loaded: LoadedScript;
  config: DelegateConfig;
  logger: Logger;
  /** The model to use (the CLI flag, else the script's choice). */
  model: ModelChoice;
  /** What to do with an authorization request no `auth` turn handles. */
  onAuth: OnAuthPolicy;
  reporter: Reporter;
  /** Also shows the person what to do when a turn waits for their consent (e.g. on stderr). */
  tellPerson?: (text: string) => void;
  /** Longest a user turn, a cancel or a resumed run may take. Default 120 s. */
  stepTimeoutMs?: number;
}

export interface RunScriptOutcome {
  result: ScriptResult;
  record: RunRecord;
  /** Set when `--on-auth fail` stopped the run. */
  authorizationNeeded?: AuthorizationNeeded;
}

type Pending = Extract<RuntimeEvent, { type: "authorization-required" }>;

/** Actions that need the sandbox's emulator (they act for the person or the provider). */
export const SANDBOX_ONLY_ACTIONS = new Set<AuthTurn["auth"]>(["approve", "deny", "expire", "revoke"]);

const SANDBOX_POLL = { initialIntervalMs: 50, maxIntervalMs: 200 };
const SCALEKIT_POLL = { initialIntervalMs: 1_000, maxIntervalMs: 5_000 };
const MAX_POLICY_ROUNDS = 10;

class StopRun extends Error {}

class AuthorizationNeededStop extends Error {
  constructor(readonly pending: Pending) {
    super("authorization needed");
  }
}

/**
 * Runs one script on its own runtime (and, without Scalekit settings, its own sandbox with an
 * in-memory database), records every event of its thread, then checks the expectations.
 */
export async function runScript(options: RunScriptOptions): Promise<RunScriptOutcome> {
  const { loaded, config, reporter } = options;
  const { script, file } = loaded;
  const stepTimeoutMs = options.stepTimeoutMs ?? 120_000;
  const sandboxMode = config.mode === "sandbox";
  const { openai, ...baseConfig } = config;
  const sessionConfig: DelegateConfig =
    options.model === "openai" && openai ? { ...baseConfig, openai } : baseConfig;
  const authorizationTimeoutMs = (script.authorization_timeout ?? (sandboxMode ? 60 : 600)) * 1000;

  const session: Session = await openSession({
    config: sessionConfig,
    logger: options.logger,
    databasePath: ":memory:",
    overrides: {
      poll: sandboxMode ? SANDBOX_POLL : SCALEKIT_POLL,
      authorizationTimeoutMs,
      ...(script.timezone ? { timeZone: script.timezone } : {}),
    },
  });
  const { runtime } = session;
  const sandbox = session.environment.sandbox;
  const identity: Identity = {
    userId: script.user,
    ...(script.organization ? { organizationId: script.organization } : {}),
  };
  const threadId = `run-${randomUUID()}`;
  const ref = { ...identity, threadId };

  const record: RunRecord = { events: [], turnsRun: 0 };
  let currentTurn = 0;
  let waiters: {
    from: number;
    test: (event: RuntimeEvent) => boolean;
    resolve: (item: RecordedEvent) => void;
  }[] = [];
  const unsubscribe = runtime.subscribe(ref, (event) => {
    const recorded: RecordedEvent = { seq: record.events.length, turn: currentTurn, event };
    record.events.push(recorded);
    reporter.event(file, recorded);
    const ready = waiters.filter((waiter) => recorded.seq >= waiter.from && waiter.test(event));
    waiters = waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve(recorded);
  });

  const nextSeq = () => record.events.length;
  const waitFor = (from: number, test: (event: RuntimeEvent) => boolean, timeoutMs: number, what: string) =>
    new Promise<RecordedEvent>((resolve, reject) => {
      const found = record.events.find((item) => item.seq >= from && test(item.event));
      if (found) {
        resolve(found);
        return;
      }
      const timer = setTimeout(() => {
        waiters = waiters.filter((waiter) => waiter.resolve !== done);
        reject(new StopRun(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const done = (item: RecordedEvent) => {
        clearTimeout(timer);
        resolve(item);
      };
      waiters.push({ from, test, resolve: done });
    });
  const settles = (event: RuntimeEvent) =>
    event.type === "turn-end" || event.type === "authorization-required";

  /** Waits until the thread stops running: the turn ended or it asks for authorization. */
  const settle = async (from: number, timeoutMs: number, what: string) => {
    const first = await waitFor(from, (event) => settles(event) || event.type === "error", timeoutMs, what);
    if (first.event.type === "error") {
      // A failed run ends with turn-end; a failed resume leaves the thread waiting.
      await waitFor(first.seq + 1, settles, 500, what).catch(() => undefined);
    }
  };

  /** Drains a runtime stream, bounded by the step timeout. */
  const drain = async (stream: AsyncIterable<RuntimeEvent>, what: string) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StopRun(`${what} did not finish within ${Math.round(stepTimeoutMs / 1000)} s`)),
        stepTimeoutMs,
      );
    });
    try {
      await Promise.race([
        (async () => {
          for await (const _ of stream) {
            // Events are recorded by the subscription.
          }
        })(),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof StopRun) throw error;
      throw new StopRun(`${what} failed: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  };

  /** The authorization the thread is waiting for, if any. */
  const pending = (): Pending | undefined => {
    for (let index = record.events.length - 1; index >= 0; index -= 1) {
      const event = record.events[index]!.event;
      if (event.type === "authorization-required") return event;
      if (event.type === "turn-end") return undefined;
    }
    return undefined;
  };
  const connectorOf = (connector: string): ConnectorId => {
    if (!isConnectorId(connector)) throw new StopRun(`unknown connector "${connector}"`);
    return connector;
  };
  const targets = (turn: AuthTurn, waiting: Pending | undefined): string[] => {
    if (turn.connectors) return turn.connectors;
    if (waiting) return [...new Set(waiting.requests.map((request) => request.connector))];
    throw new StopRun(
      `\`${turn.auth}\`: nothing is waiting for authorization; list the connectors to act on, e.g. connectors: [gmail]`,
    );
  };
  const controls = () => {
    if (!sandbox) throw new StopRun("this action needs the sandbox");
    return sandbox.controls;
  };
  const allActive = (waiting: Pending) =>
    waiting.requests.every(
      (request) => controls().status(identity, connectorOf(request.connector)) === "ACTIVE",
    );
  const deadlineWait = (waiting: Pending) =>
    Math.max(1_000, Date.parse(waiting.deadline) - Date.now()) + stepTimeoutMs;

  const approve = async (connectors: string[], waiting: Pending | undefined) => {
    const from = nextSeq();
    for (const connector of connectors) await controls().approve(identity, connectorOf(connector));
    if (waiting && allActive(waiting)) await settle(from, stepTimeoutMs, "the resumed run");
  };
  const cancel = async () => drain(runtime.cancel(ref), "cancelling the authorization");
  const wait = async (waiting: Pending) => {
    if (!sandboxMode) {
      const text = `waiting for consent (up to ${Math.round((Date.parse(waiting.deadline) - Date.now()) / 1000)} s) — open ${waiting.requests
        .map((request) => `${request.displayName}: ${request.url}`)
        .join(" · ")}`;
      reporter.note(file, currentTurn, text);
      options.tellPerson?.(text);
    }
    await settle(nextSeq(), deadlineWait(waiting), "waiting for authorization");
  };

  const runAuthTurn = async (turn: AuthTurn) => {
    const waiting = pending();
    switch (turn.auth) {
      case "approve":
        await approve(targets(turn, waiting), waiting);
        return;
      case "deny":
        for (const connector of targets(turn, waiting))
          await controls().deny(identity, connectorOf(connector));
        return;
      case "expire": {
        for (const connector of targets(turn, waiting))
          controls().expireLinks(identity, connectorOf(connector));
        // A recheck looks again and hands out fresh links for what is still missing.
        if (waiting) await drain(runtime.resume(ref), "rechecking the authorization");
        return;
      }
      case "revoke":
        for (const connector of targets(turn, waiting)) {
          try {
            controls().revokeAtProvider(identity, connectorOf(connector));
          } catch (error) {
            throw new StopRun(`\`revoke\` ${connector}: ${errorMessage(error)} (connect it first)`);
          }
        }
        return;
      case "cancel":
      case "recheck":
      case "wait": {
        if (!waiting) throw new StopRun(`\`${turn.auth}\`: nothing is waiting for authorization`);
        if (turn.auth === "cancel") await cancel();
        else if (turn.auth === "recheck") await drain(runtime.resume(ref), "rechecking the authorization");
        else await wait(waiting);
        return;
      }
    }
  };

  /** `--on-auth`: handles an authorization request that no `auth` turn follows. */
  const applyPolicy = async () => {
    for (let round = 0; round < MAX_POLICY_ROUNDS; round += 1) {
      const waiting = pending();
      if (!waiting) return;
      const connectors = [...new Set(waiting.requests.map((request) => request.connector))];
      switch (options.onAuth) {
        case "fail":
          throw new AuthorizationNeededStop(waiting);
        case "approve":
          reporter.note(file, currentTurn, `--on-auth approve: connecting ${connectors.join(", ")}`);
          await approve(connectors, waiting);
          break;
        case "deny":
          reporter.note(
            file,
            currentTurn,
            `--on-auth deny: refusing ${connectors.join(", ")} and cancelling`,
          );
          if (sandbox)
            for (const request of waiting.requests)
              await sandbox.controls.deny(identity, connectorOf(request.connector));
          await cancel();
          break;
        case "wait":
          reporter.note(file, currentTurn, `--on-auth wait: waiting for ${connectors.join(", ")}`);
          await wait(waiting);
          break;
      }
    }
    if (pending())
      throw new StopRun(
        `still waiting for authorization after ${MAX_POLICY_ROUNDS} rounds of --on-auth ${options.onAuth}`,
      );
  };

  let authorizationNeeded: AuthorizationNeeded | undefined;
  try {
    reporter.scriptStart({
      file,
      ...(script.name ? { name: script.name } : {}),
      user: script.user,
      ...(script.organization ? { organization: script.organization } : {}),
      mode: session.environment.modeLabel,
      model: runtime.info.modelLabel,
      connected: script.sandbox?.connected ?? [],
    });
    if (sandbox) {
      for (const connector of script.sandbox?.connected ?? [])
        await sandbox.controls.approve(identity, connectorOf(connector));
    } else if (script.sandbox?.connected.length) {
      reporter.note(
        file,
        0,
        "sandbox.connected is ignored against Scalekit: the user's real connections are used",
      );
    }
    for (const [index, turn] of script.turns.entries()) {
      currentTurn = index;
      reporter.turnStart(file, index, turn, loaded.locate(["turns", index]));
      if (isUserTurn(turn)) {
        if (pending()) await applyPolicy();
        await drain(
          runtime.send({ ...ref, text: turn.user, waitForAuthorization: false }),
          `turn ${index + 1}`,
        );
      } else {
        await runAuthTurn(turn);
      }
      // --on-auth resolves what no auth turn will: before the next message, and at the end
      // after a message (a script that ends with an auth turn leaves the thread as it is).
      const next = script.turns[index + 1];
      if (next ? isUserTurn(next) : isUserTurn(turn)) await applyPolicy();
      record.turnsRun = index + 1;
    }
  } catch (error) {
    if (error instanceof AuthorizationNeededStop) {
      authorizationNeeded = {
        type: "authorization-needed",
        file,
        turn: currentTurn + 1,
        user: script.user,
        ...(script.organization ? { organization: script.organization } : {}),
        connections: error.pending.requests.map((request: AuthorizationRequest) => ({
          connector: request.connector,
          connection: request.connection,
          status: request.status,
          url: request.url,
          expiresAt: request.expiresAt,
        })),
      };
    }
    record.stopped = {
      turn: currentTurn,
      reason: error instanceof AuthorizationNeededStop ? "stopped by --on-auth fail" : errorMessage(error),
    };
  } finally {
    unsubscribe();
    waiters = [];
    await session.close();
  }

  const checks = evaluate(script, record)
    .map((check) => ({ ...check, file, ...loaded.locate(check.path) }))
    .sort((a, b) => a.turn - b.turn || a.line - b.line || a.column - b.column);
  const result: ScriptResult = { file, checks };
  return { result, record, ...(authorizationNeeded ? { authorizationNeeded } : {}) };
}
