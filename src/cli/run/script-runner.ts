import { randomUUID } from "node:crypto";
import {
  type ConnectorId,
  type DelegateConfig,
  errorMessage,
  type Identity,
  isConnectorId,
  type Logger,
} from "../../index.js";
import { openSession, type Session } from "../bootstrap.js";
import { decisionsFor, describePendingApproval } from "./decisions.js";
import { EventRecorder, type Pending, StopRun } from "./event-recorder.js";
import { evaluate } from "./expectations.js";
import type { ApprovalNeeded, AuthorizationNeeded, Reporter, ScriptResult } from "./reporter.js";
import type { RunRecord } from "./run-record.js";
import type { LoadedScript } from "./script-loader.js";
import {
  type AuthTurn,
  type DecisionKind,
  decisionOf,
  isAuthTurn,
  isUserTurn,
  type ModelChoice,
  type OnApprovalPolicy,
  type OnAuthPolicy,
} from "./script-schema.js";

export interface RunScriptOptions {
  loaded: LoadedScript;
  config: DelegateConfig;
  logger: Logger;
  /** The model to use (the CLI flag, else the script's choice). */
  model: ModelChoice;
  /** What to do with an authorization request no `auth` turn handles. */
  onAuth: OnAuthPolicy;
  /** What to do with calls waiting for approval that no `approve`/`reject` turn decides. Default `fail`. */
  onApproval?: OnApprovalPolicy;
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
  /** Set when `--on-approval fail` stopped the run. */
  approvalNeeded?: ApprovalNeeded;
}

/** Actions that need the sandbox's emulator (they act for the person or the provider). */
export const SANDBOX_ONLY_ACTIONS = new Set<AuthTurn["auth"]>(["approve", "deny", "expire", "revoke"]);

const SANDBOX_POLL = { initialIntervalMs: 50, maxIntervalMs: 200 };
const SCALEKIT_POLL = { initialIntervalMs: 1_000, maxIntervalMs: 5_000 };
const MAX_POLICY_ROUNDS = 10;

/** `--on-auth fail` / `--on-approval fail` met what they stop at. */
class NeededStop extends Error {
  constructor(
    readonly kind: "authorization" | "approval",
    readonly pending: Pending,
  ) {
    super(`${kind} needed`);
  }
}

/**
 * Runs one script on its own runtime (and, without Scalekit settings, its own sandbox with an
 * in-memory database), records every event of its thread, then checks the expectations.
 */
export async function runScript(options: RunScriptOptions): Promise<RunScriptOutcome> {
  const { loaded, config, reporter } = options;
  const { script, file } = loaded;
  const onApproval = options.onApproval ?? "fail";
  const stepTimeoutMs = options.stepTimeoutMs ?? 120_000;
  const sandboxMode = config.mode === "sandbox";
  const { openai, ...modelless } = config;
  // The script's zone goes into the config itself, not only into the runtime: resolveEnvironment
  // also hands it to the offline demo model (its replies' dates and times) and to the sandbox.
  const zoned: Omit<DelegateConfig, "openai"> = script.timezone
    ? { ...modelless, timeZone: script.timezone }
    : modelless;
  const baseConfig: DelegateConfig = script.sandbox?.injections
    ? { ...zoned, sandboxInjections: true }
    : zoned;
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
    },
  });
  const { runtime } = session;
  const sandbox = session.environment.sandbox;
  const identity: Identity = {
    userId: script.user,
    ...(script.organization ? { organizationId: script.organization } : {}),
  };
  const ref = { ...identity, threadId: `run-${randomUUID()}` };
  const recorder = new EventRecorder(runtime, ref, reporter, file, stepTimeoutMs);
  const note = (text: string) => reporter.note(file, recorder.turn, text);

  const connectorOf = (connector: string): ConnectorId => {
    if (!isConnectorId(connector)) throw new StopRun(`unknown connector "${connector}"`);
    return connector;
  };
  const targets = (turn: AuthTurn, waiting: Pending | undefined): string[] => {
    if (turn.connectors) return turn.connectors;
    if (waiting && waiting.requests.length > 0)
      return [...new Set(waiting.requests.map((request) => request.connector))];
    if (waiting && waiting.approvals.length > 0) {
      throw new StopRun(
        `\`auth: ${turn.auth}\`: no account is waiting to be connected, only calls waiting for approval; decide them with \`approve: all\` or \`reject: all\``,
      );
    }
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
    const from = recorder.next();
    for (const connector of connectors) await controls().approve(identity, connectorOf(connector));
    // Only a wait for connections resumes by itself once they are all ACTIVE.
    if (waiting && waiting.requests.length > 0 && allActive(waiting))
      await recorder.settle(from, stepTimeoutMs, "the resumed run");
  };
  const cancel = async () => recorder.drain(runtime.cancel(ref), "cancelling the authorization");
  const wait = async (waiting: Pending) => {
    if (waiting.requests.length === 0) {
      throw new StopRun(
        "only calls waiting for approval remain, and nothing decides them by itself: use `approve:` / `reject:` turns or --on-approval",
      );
    }
    if (!sandboxMode) {
      const text = `waiting for consent (up to ${Math.round((Date.parse(waiting.deadline) - Date.now()) / 1000)} s) — open ${waiting.requests
        .map((request) => `${request.displayName}: ${request.url}`)
        .join(" · ")}`;
      note(text);
      options.tellPerson?.(text);
    }
    await recorder.settle(recorder.next(), deadlineWait(waiting), "waiting for authorization");
  };
  /** Sends the person's decisions and follows the resumed run until it settles again. */
  const decide = async (
    waiting: Pending,
    decision: { type: DecisionKind; tools: "all" | string[]; reason?: string },
  ) => {
    let decisions: ReturnType<typeof decisionsFor>;
    try {
      decisions = decisionsFor(waiting.approvals, decision);
    } catch (error) {
      throw new StopRun(errorMessage(error));
    }
    await recorder.drain(runtime.decide({ ...ref, decisions }), `\`${decision.type}\``);
  };

  const runAuthTurn = async (turn: AuthTurn) => {
    const waiting = recorder.pending();
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
        if (waiting) await recorder.drain(runtime.resume(ref), "rechecking the authorization");
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
        else if (turn.auth === "recheck")
          await recorder.drain(runtime.resume(ref), "rechecking the authorization");
        else await wait(waiting);
        return;
      }
    }
  };

  /** `--on-approval`, then `--on-auth`: settles what no turn of the script will. */
  const applyPolicy = async () => {
    for (let round = 0; round < MAX_POLICY_ROUNDS; round += 1) {
      const waiting = recorder.pending();
      if (!waiting) return;
      if (waiting.approvals.length > 0) {
        const tools = [...new Set(waiting.approvals.map((approval) => approval.tool))].join(", ");
        if (onApproval === "fail") throw new NeededStop("approval", waiting);
        note(`--on-approval ${onApproval}: ${onApproval === "approve" ? "approving" : "rejecting"} ${tools}`);
        await decide(waiting, { type: onApproval, tools: "all" });
        continue;
      }
      const connectors = [...new Set(waiting.requests.map((request) => request.connector))];
      switch (options.onAuth) {
        case "fail":
          throw new NeededStop("authorization", waiting);
        case "approve":
          note(`--on-auth approve: connecting ${connectors.join(", ")}`);
          await approve(connectors, waiting);
          break;
        case "deny":
          note(`--on-auth deny: refusing ${connectors.join(", ")} and cancelling`);
          if (sandbox)
            for (const request of waiting.requests)
              await sandbox.controls.deny(identity, connectorOf(request.connector));
          await cancel();
          break;
        case "wait":
          note(`--on-auth wait: waiting for ${connectors.join(", ")}`);
          await wait(waiting);
          break;
      }
    }
    if (recorder.pending())
      throw new StopRun(
        `still waiting after ${MAX_POLICY_ROUNDS} rounds of --on-approval ${onApproval} / --on-auth ${options.onAuth}`,
      );
  };

  let stop: NeededStop | undefined;
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
      recorder.turn = index;
      reporter.turnStart(file, index, turn, loaded.locate(["turns", index]));
      if (isUserTurn(turn)) {
        if (recorder.pending()) await applyPolicy();
        await recorder.drain(
          runtime.send({ ...ref, text: turn.user, waitForAuthorization: false }),
          `turn ${index + 1}`,
        );
      } else if (isAuthTurn(turn)) {
        await runAuthTurn(turn);
      } else {
        const decision = decisionOf(turn);
        const waiting = recorder.pending();
        if (!waiting || waiting.approvals.length === 0)
          throw new StopRun(`\`${decision.type}\`: no call is waiting for approval`);
        await decide(waiting, decision);
      }
      // The policies resolve what no turn will: before the next message, and at the end after
      // a message (a script that ends with an auth or decision turn leaves the thread as it is).
      const next = script.turns[index + 1];
      if (next ? isUserTurn(next) : isUserTurn(turn)) await applyPolicy();
      recorder.record.turnsRun = index + 1;
    }
  } catch (error) {
    if (error instanceof NeededStop) stop = error;
    recorder.record.stopped = {
      turn: recorder.turn,
      reason:
        error instanceof NeededStop
          ? `stopped by --on-${error.kind === "approval" ? "approval" : "auth"} fail`
          : errorMessage(error),
    };
  } finally {
    recorder.close();
    await session.close();
  }

  const record = recorder.record;
  const checks = evaluate(script, record)
    .map((check) => ({ ...check, file, ...loaded.locate(check.path) }))
    .sort((a, b) => a.turn - b.turn || a.line - b.line || a.column - b.column);
  const result: ScriptResult = { file, checks };
  const who = {
    file,
    turn: recorder.turn + 1,
    user: script.user,
    ...(script.organization ? { organization: script.organization } : {}),
  };
  if (stop?.kind === "approval") {
    return {
      result,
      record,
      approvalNeeded: {
        type: "approval-needed",
        ...who,
        approvals: stop.pending.approvals.map(describePendingApproval),
      },
    };
  }
  if (stop?.kind === "authorization") {
    return {
      result,
      record,
      authorizationNeeded: {
        type: "authorization-needed",
        ...who,
        connections: stop.pending.requests.map((request) => ({
          connector: request.connector,
          connection: request.connection,
          status: request.status,
          url: request.url,
          expiresAt: request.expiresAt,
        })),
      },
    };
  }
  return { result, record };
}
