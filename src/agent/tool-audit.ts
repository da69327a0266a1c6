import type { Identity } from "../auth/identity.js";
import type { ToolBinding } from "../connectors/build-tools.js";
import type { AllowedBy, ToolCallLike } from "./gate/plan-calls.js";

/** One tool execution, as the audit hook sees it. Never holds a secret. */
export interface ToolAuditRecord {
  toolName: string;
  toolCallId: string;
  userId: string;
  organizationId?: string;
  connector?: string;
  connection?: string;
  outcome: "success" | "error" | "declined";
  /** How a call that ran was allowed: by the policy, by `auto` (targets the person named), or by the person. */
  allowedBy?: AllowedBy;
  /** Error code when the outcome is not success. */
  errorCode?: string;
  durationMs: number;
}

/** Where the audit goes, and the bindings that name each call's connection. */
export interface AuditOptions {
  bindings: ReadonlyMap<string, ToolBinding>;
  onToolAudit?: ((record: ToolAuditRecord) => void) | undefined;
}

/** Tells the audit hook about one call; a failing hook never breaks the call. */
export function audit(
  options: AuditOptions,
  identity: Identity,
  call: ToolCallLike,
  outcome: ToolAuditRecord["outcome"],
  errorCode: string | undefined,
  durationMs: number,
  allowedBy?: AllowedBy,
): void {
  if (!options.onToolAudit) return;
  const binding = options.bindings.get(call.name);
  try {
    options.onToolAudit({
      toolName: call.name,
      toolCallId: call.id ?? "",
      userId: identity.userId,
      ...(identity.organizationId ? { organizationId: identity.organizationId } : {}),
      ...(binding ? { connector: binding.connector, connection: binding.connection } : {}),
      outcome,
      ...(allowedBy ? { allowedBy } : {}),
      ...(errorCode ? { errorCode } : {}),
      durationMs,
    });
  } catch {
    // An audit sink must never break a tool call.
  }
}
