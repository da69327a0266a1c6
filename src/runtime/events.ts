import type { ApprovalRequest, AuthorizationRequest, WaitReason } from "../agent/authorization-request.js";
import type { DelegateErrorCode } from "../errors.js";

/**
 * Events of a conversation turn, shared by the embedded API, the REPL and scripted runs.
 * Every event names its thread and none carries a token or a Scalekit secret — but
 * `authorization-required` carries the person's links (`requests[].url`), which are bearer
 * links until verified: show them to that person only, and keep them out of logs and analytics.
 *
 * A stream ends after `turn-end`; one that does not wait (`waitForAuthorization: false`, or a
 * `resume`/`decide` that asks the person again) ends after `authorization-required` instead,
 * and `resume`/`cancel`/`decide` streams also end after an `error`.
 */
export type RuntimeEvent =
  /**
   * Part of an assistant message as it streams; `messageId` is that of the `message` that follows.
   * A message's deltas all come before it and together are its text (one delta when the model
   * does not stream).
   */
  | { type: "text-delta"; threadId: string; text: string; messageId?: string }
  | { type: "message"; threadId: string; role: "assistant"; text: string; messageId?: string }
  | {
      type: "tool-call";
      threadId: string;
      toolCallId: string;
      toolName: string;
      args: Record<string, unknown>;
    }
  | {
      type: "tool-result";
      threadId: string;
      toolCallId: string;
      toolName: string;
      status: "success" | "error";
      /** The result the model sees, shortened for display. */
      preview: string;
      /** A few words on the outcome, e.g. "6 messages" or the error. */
      summary: string;
    }
  | {
      /**
       * The turn paused before running anything: connections to connect (`requests`, each with
       * its link) and calls for the person to approve, reject or edit (`approvals`), in one.
       */
      type: "authorization-required";
      threadId: string;
      requests: AuthorizationRequest[];
      approvals: ApprovalRequest[];
      message: string;
      reason: WaitReason;
      /** When Delegate stops waiting for the connections and cancels the blocked calls. */
      deadline: string;
    }
  | {
      type: "authorization-completed";
      threadId: string;
      connections: string[];
      /** What noticed: the status poll, a webhook, a recheck, or the user-verify redirect. */
      via: "poll" | "webhook" | "manual" | "verification";
    }
  | { type: "authorization-expired"; threadId: string; connections: string[] }
  | { type: "authorization-cancelled"; threadId: string; connections: string[] }
  | { type: "error"; threadId: string; code: DelegateErrorCode; message: string }
  | {
      type: "turn-end";
      threadId: string;
      status: "completed" | "failed";
      text?: string;
    };

export type RuntimeEventType = RuntimeEvent["type"];
