import type { Effect } from "../../connectors/tool-traits.js";

export type { Effect };
export const EFFECTS: readonly Effect[] = ["read", "write", "destructive"];

/**
 * How a call is decided:
 * - `allow`: it runs;
 * - `ask`: the person decides;
 * - `deny`: it never runs (the model is told the policy blocks it);
 * - `auto`: it runs when every target it names (recipients, channel, attendees, parent page)
 *   appears in the person's own messages of the thread, and the person decides otherwise.
 */
export type ApprovalMode = "allow" | "ask" | "deny" | "auto";
export const APPROVAL_MODES: readonly ApprovalMode[] = ["allow", "ask", "deny", "auto"];

/** Effects and tool names → modes. A tool's own entry wins over its effect's. */
export interface ApprovalPolicy {
  effects: Readonly<Record<Effect, ApprovalMode>>;
  tools: Readonly<Record<string, ApprovalMode>>;
}

/**
 * The `approvals` option: a flat map of effect or tool names to modes, e.g.
 * `{ write: "ask", gmail_create_draft: "allow" }`, or the same as text
 * (`"write=ask,destructive=ask,gmail_create_draft=allow"`, as in DELEGATE_APPROVALS).
 */
export type ApprovalsOption = Readonly<Record<string, ApprovalMode>> | string;

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  effects: { read: "allow", write: "auto", destructive: "ask" },
  tools: {},
};

export function modeFor(policy: ApprovalPolicy, toolName: string, effect: Effect): ApprovalMode {
  return policy.tools[toolName] ?? policy.effects[effect];
}
