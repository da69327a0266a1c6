import type { ApprovalRequest, AuthorizationRequest } from "../../agent/authorization-request.js";
import type { CheckResult, RecordedEvent } from "./run-record.js";
import type { SourceLocation } from "./script-loader.js";
import type { Turn } from "./script-schema.js";

export interface ScriptStart {
  file: string;
  name?: string;
  user: string;
  organization?: string;
  mode: string;
  model: string;
  connected: string[];
}

/** A checked expectation with the place it is written. */
export interface LocatedCheck extends CheckResult, SourceLocation {
  file: string;
}

export interface ScriptResult {
  file: string;
  checks: LocatedCheck[];
}

/** What `--on-auth fail` prints when a turn needs an authorization the script does not handle. */
export interface AuthorizationNeeded {
  type: "authorization-needed";
  file: string;
  /** 1-based, like the transcript. */
  turn: number;
  user: string;
  organization?: string;
  connections: Pick<AuthorizationRequest, "connector" | "connection" | "status" | "url" | "expiresAt">[];
}

/** What `--on-approval fail` prints when calls wait for a decision the script does not make. */
export interface ApprovalNeeded {
  type: "approval-needed";
  file: string;
  /** 1-based, like the transcript. */
  turn: number;
  user: string;
  organization?: string;
  approvals: (Pick<
    ApprovalRequest,
    "toolCallId" | "tool" | "effect" | "summary" | "args" | "reason" | "targets"
  > &
    Partial<Pick<ApprovalRequest, "connector">>)[];
}

export interface RunSummary {
  scripts: number;
  passed: number;
  met: number;
  failed: number;
  /** Scripts stopped for an authorization or approval nobody handled (`--on-auth fail`…). */
  stopped: number;
}

/** Where a scripted run's progress goes: a readable transcript or JSON lines. */
export interface Reporter {
  scriptStart(start: ScriptStart): void;
  turnStart(file: string, index: number, turn: Turn, location: SourceLocation): void;
  event(file: string, recorded: RecordedEvent): void;
  /** Something the runner did by itself, e.g. applying `--on-auth`. */
  note(file: string, turn: number, text: string): void;
  scriptEnd(result: ScriptResult): void;
  summary(summary: RunSummary): void;
  authorizationNeeded(needed: AuthorizationNeeded): void;
  approvalNeeded(needed: ApprovalNeeded): void;
}
