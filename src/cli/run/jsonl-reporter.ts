import type {
  ApprovalNeeded,
  AuthorizationNeeded,
  Reporter,
  RunSummary,
  ScriptResult,
  ScriptStart,
} from "./reporter.js";
import type { RecordedEvent } from "./run-record.js";
import type { SourceLocation } from "./script-loader.js";
import { decisionOf, isAuthTurn, isUserTurn, type Turn } from "./script-schema.js";

type Write = (text: string) => void;

/**
 * One JSON object per line: `script`, `turn`, every runtime event (with `file` and 1-based
 * `turn`; `text-delta` is left out because `message` carries the whole text), `note`, `check`,
 * `result` per script, then `summary` — or `authorization-needed` / `approval-needed` when
 * `--on-auth fail` / `--on-approval fail` stops.
 */
export class JsonlReporter implements Reporter {
  readonly #write: Write;

  constructor(write: Write) {
    this.#write = write;
  }

  scriptStart(start: ScriptStart): void {
    this.#emit({ type: "script", ...start });
  }

  turnStart(file: string, index: number, turn: Turn, location: SourceLocation): void {
    const head = { type: "turn", file, turn: index + 1, ...location };
    if (isUserTurn(turn)) this.#emit({ ...head, kind: "user", text: turn.user });
    else if (isAuthTurn(turn))
      this.#emit({
        ...head,
        kind: "auth",
        action: turn.auth,
        ...(turn.connectors ? { connectors: turn.connectors } : {}),
      });
    else {
      const decision = decisionOf(turn);
      this.#emit({
        ...head,
        kind: "decision",
        decision: decision.type,
        tools: decision.tools,
        ...(decision.reason ? { reason: decision.reason } : {}),
      });
    }
  }

  event(file: string, recorded: RecordedEvent): void {
    if (recorded.event.type === "text-delta") return;
    this.#emit({ ...recorded.event, file, turn: recorded.turn + 1 });
  }

  note(file: string, turn: number, text: string): void {
    this.#emit({ type: "note", file, turn: turn + 1, text });
  }

  scriptEnd(result: ScriptResult): void {
    for (const check of result.checks) {
      this.#emit({
        type: "check",
        file: check.file,
        turn: check.turn + 1,
        line: check.line,
        column: check.column,
        description: check.description,
        status: check.met ? "met" : "failed",
        ...(check.met ? {} : { expected: check.expected, actual: check.actual }),
      });
    }
    const failed = result.checks.filter((check) => !check.met).length;
    this.#emit({ type: "result", file: result.file, met: result.checks.length - failed, failed });
  }

  summary(summary: RunSummary): void {
    this.#emit({ type: "summary", ...summary });
  }

  authorizationNeeded(needed: AuthorizationNeeded): void {
    this.#emit(needed);
  }

  approvalNeeded(needed: ApprovalNeeded): void {
    this.#emit(needed);
  }

  #emit(value: object): void {
    this.#write(`${JSON.stringify(value)}\n`);
  }
}
