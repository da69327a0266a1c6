import { z } from "zod";

/**
 * The `authorization_required` interrupt value: plain JSON, checkpointed and streamed, with no
 * secret in it. One value per AI message lists every connection its tool calls wait for and every
 * call the person must decide on. The shape is documented in docs/interrupt.md and kept stable.
 */
export const AuthorizationRequestSchema = z.object({
  connector: z.string(),
  connection: z.string(),
  displayName: z.string(),
  status: z.enum(["EXPIRED", "PENDING_AUTH", "PENDING_VERIFICATION", "DISCONNECTED", "NOT_FOUND"]),
  url: z.string(),
  expiresAt: z.string(),
  /**
   * With user verification: the nonce of the signed state the link carries (never the state
   * itself), so a host binds a browser to this very link.
   */
  stateNonce: z.string().optional(),
  toolCallIds: z.array(z.string()),
});
export type AuthorizationRequest = z.infer<typeof AuthorizationRequestSchema>;

export const ApprovalTargetSchema = z.object({
  kind: z.enum(["email", "slack-conversation", "notion-parent", "calendar-event"]),
  field: z.string(),
  /** The target itself (an email address, never only its display name). */
  display: z.string(),
  /** A page's or event's title, when a Delegate tool returned it for this id. */
  label: z.string().optional(),
  /** Another page or event seen in this thread has the same title: only the id tells them apart. */
  sharedTitle: z.boolean().optional(),
  /** Whether the person named it in their own messages of this thread. */
  named: z.boolean(),
  /** The address holds non-ASCII characters: check it is not a look-alike. */
  unusual: z.boolean().optional(),
});
export type ApprovalTarget = z.infer<typeof ApprovalTargetSchema>;

export const ApprovalRequestSchema = z.object({
  toolCallId: z.string(),
  tool: z.string(),
  connector: z.string().optional(),
  effect: z.enum(["read", "write", "destructive"]),
  /** One line for a person: what will happen, to whom. */
  summary: z.string(),
  /** The arguments exactly as the call will run. */
  args: z.record(z.string(), z.unknown()),
  /** Why the person is asked: the policy says so, or a target they never named. */
  reason: z.enum(["policy", "target_not_named_by_user"]),
  targets: z.array(ApprovalTargetSchema),
  /** Set when an edit was refused: why, so the person can fix it. */
  error: z.string().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

export const WaitReasonSchema = z.enum(["not_connected", "token_rejected", "approval_required"]);
export type WaitReason = z.infer<typeof WaitReasonSchema>;

export const AuthorizationInterruptSchema = z.object({
  type: z.literal("authorization_required"),
  /** Connections to connect (empty when only decisions are needed). */
  requests: z.array(AuthorizationRequestSchema),
  /** Calls to approve, reject or edit (empty when only connections are needed). */
  approvals: z.array(ApprovalRequestSchema).default([]),
  message: z.string(),
  /** What the thread waits for: connections before a batch, a token that failed mid-call, or decisions only. */
  reason: WaitReasonSchema,
  /** For generic interrupt UIs (Agent Inbox / Agent Chat UI): a readable description. */
  description: z.string(),
  /**
   * The same, in the human-in-the-loop shape generic UIs render (Agent Chat UI): approvals first
   * (approve / reject / edit), then one entry per connection ("approve" rechecks, "reject" skips
   * that connection: the calls that need it are not done, the others go on).
   */
  action_requests: z
    .array(z.object({ name: z.string(), args: z.record(z.string(), z.unknown()), description: z.string() }))
    .optional(),
  review_configs: z
    .array(z.object({ action_name: z.string(), allowed_decisions: z.array(z.string()) }))
    .optional(),
  /** Set when the last answer could not be applied (and nothing of it was): why, to answer again. */
  error: z.string().optional(),
});
export type AuthorizationInterrupt = z.infer<typeof AuthorizationInterruptSchema>;

export function isAuthorizationInterrupt(value: unknown): value is AuthorizationInterrupt {
  return AuthorizationInterruptSchema.safeParse(value).success;
}

/** One decision on one call. Without `toolCallId` it applies by position (Agent Chat UI). */
export const DecisionSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("approve"),
    toolCallId: z.string().optional(),
    /** "Always allow this tool in this thread" (for targets the person names). */
    always: z.boolean().optional(),
  }),
  z.object({ type: z.literal("reject"), toolCallId: z.string().optional(), message: z.string().optional() }),
  z.object({
    type: z.literal("edit"),
    toolCallId: z.string().optional(),
    args: z.record(z.string(), z.unknown()),
    message: z.string().optional(),
  }),
]);
export type Decision = z.infer<typeof DecisionSchema>;

/** What a caller resumes the interrupt with (see {@link parseResume}). */
export const ResumeValueSchema = z.union([
  z.object({
    action: z.enum(["recheck", "cancel"]),
    /** Why a cancel happened, so the model can say so: the person declined, or the wait timed out. */
    reason: z.enum(["declined", "timeout"]).optional(),
  }),
  z.object({ decisions: z.array(DecisionSchema) }),
]);
export type ResumeValue = z.infer<typeof ResumeValueSchema>;

export type ParsedResume =
  | { action: "recheck" }
  | { action: "cancel"; reason: "declined" | "timeout" }
  | { action: "decide"; decisions: Decision[] }
  /** Not an answer Delegate understands: nothing of it is applied, and the person is asked again. */
  | { action: "invalid"; problem: string };

/**
 * Reads any resume value Delegate accepts: `{action:"recheck"|"cancel"}`, plain strings,
 * per-call decisions `{decisions:[{toolCallId,type,…}]}`, the positional decisions Agent Chat
 * UI sends (`{decisions:[{type:"approve"}]}`, `{type:"edit", edited_action:{name,args}}`), and
 * the older human-in-the-loop responses (`[{type:"accept"}]`). `null`, `{}` and "recheck" are a
 * recheck. Anything else is `invalid` as a whole: positional decisions must never shift onto
 * another call because one of them could not be read.
 */
export function parseResume(value: unknown): ParsedResume {
  if (value === "cancel") return { action: "cancel", reason: "declined" };
  if (value === "recheck" || value === null || value === undefined) return { action: "recheck" };
  if (typeof value !== "object") return invalid(`${JSON.stringify(value)} is not an answer`);
  const record = value as Record<string, unknown>;
  if (record.action === "cancel")
    return { action: "cancel", reason: record.reason === "timeout" ? "timeout" : "declined" };
  if (record.action === "recheck") return { action: "recheck" };
  if (record.action !== undefined)
    return invalid(`action ${JSON.stringify(record.action)} is not recheck or cancel`);
  const raw = Array.isArray(value) ? value : Array.isArray(record.decisions) ? record.decisions : undefined;
  if (!raw)
    return record.decisions === undefined ? { action: "recheck" } : invalid("decisions must be a list");
  if (raw.length === 0) return invalid("decisions is empty");
  const decisions: Decision[] = [];
  for (const [index, item] of raw.entries()) {
    const decision = toDecision(item);
    if (!decision) {
      return invalid(
        `decisions[${index}] is not an approve, reject or edit (an edit needs its arguments as an object)`,
      );
    }
    decisions.push(decision);
  }
  const twice = answeredTwice(decisions);
  return twice ? invalid(`call ${twice} is answered twice`) : { action: "decide", decisions };
}

/** The first call that more than one decision names by id, if any: neither answer may be taken. */
export function answeredTwice(decisions: readonly { toolCallId?: string | undefined }[]): string | undefined {
  const seen = new Set<string>();
  for (const { toolCallId } of decisions) {
    if (!toolCallId) continue;
    if (seen.has(toolCallId)) return toolCallId;
    seen.add(toolCallId);
  }
  return undefined;
}

function invalid(problem: string): ParsedResume {
  return { action: "invalid", problem };
}

function toDecision(item: unknown): Decision | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const record = item as Record<string, unknown>;
  const toolCallId = typeof record.toolCallId === "string" ? { toolCallId: record.toolCallId } : {};
  const message =
    typeof record.message === "string" && record.message.trim() ? { message: record.message.trim() } : {};
  switch (record.type) {
    case "approve":
    case "accept":
      return { type: "approve", ...toolCallId, ...(record.always === true ? { always: true } : {}) };
    case "reject":
    case "ignore":
      return { type: "reject", ...toolCallId, ...message };
    case "response":
      return {
        type: "reject",
        ...toolCallId,
        ...(typeof record.args === "string" && record.args.trim()
          ? { message: record.args.trim() }
          : message),
      };
    case "edit": {
      const edited = (record.editedAction ?? record.edited_action) as { args?: unknown } | undefined;
      const args = objectArgs(edited?.args ?? record.args);
      if (args === null || typeof args !== "object" || Array.isArray(args)) return undefined;
      return { type: "edit", ...toolCallId, args: args as Record<string, unknown>, ...message };
    }
    default:
      return undefined;
  }
}

/** Edited arguments as an object; a JSON text of one (as some clients send them) is read. */
function objectArgs(args: unknown): unknown {
  if (typeof args !== "string") return args;
  try {
    return JSON.parse(args);
  } catch {
    return undefined;
  }
}
