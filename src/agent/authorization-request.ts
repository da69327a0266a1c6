import { z } from "zod";

/**
 * The `authorization_required` interrupt value: plain JSON, checkpointed and streamed, with
 * no secret in it. One value lists every connection a batch of tool calls is waiting for.
 */
export const AuthorizationRequestSchema = z.object({
  connector: z.string(),
  connection: z.string(),
  displayName: z.string(),
  status: z.enum(["EXPIRED", "PENDING_AUTH", "PENDING_VERIFICATION", "DISCONNECTED", "NOT_FOUND"]),
  url: z.string(),
  expiresAt: z.string(),
  toolCallIds: z.array(z.string()),
});
export type AuthorizationRequest = z.infer<typeof AuthorizationRequestSchema>;

export const AuthorizationInterruptSchema = z.object({
  type: z.literal("authorization_required"),
  requests: z.array(AuthorizationRequestSchema).min(1),
  message: z.string(),
  /** Why the interrupt was raised: before a batch ran, or because a token failed mid-call. */
  reason: z.enum(["not_connected", "token_rejected"]),
  /** For generic interrupt UIs (Agent Inbox / Agent Chat UI): a readable description. */
  description: z.string(),
  /**
   * The same request in the human-in-the-loop shape generic UIs render (Agent Chat UI): one
   * action per connection. "approve" resumes with a recheck, "reject" cancels.
   */
  action_requests: z
    .array(z.object({ name: z.string(), args: z.record(z.string(), z.unknown()), description: z.string() }))
    .optional(),
  review_configs: z
    .array(z.object({ action_name: z.string(), allowed_decisions: z.array(z.string()) }))
    .optional(),
});
export type AuthorizationInterrupt = z.infer<typeof AuthorizationInterruptSchema>;

export function isAuthorizationInterrupt(value: unknown): value is AuthorizationInterrupt {
  return AuthorizationInterruptSchema.safeParse(value).success;
}

/** What a caller resumes the interrupt with. Anything else is treated as `recheck`. */
export const ResumeValueSchema = z.object({
  action: z.enum(["recheck", "cancel"]),
  /** Why a cancel happened, so the model can say so: the person declined, or the wait timed out. */
  reason: z.enum(["declined", "timeout"]).optional(),
});
export type ResumeValue = z.infer<typeof ResumeValueSchema>;

export function parseResumeValue(value: unknown): ResumeValue {
  const parsed = ResumeValueSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Human-in-the-loop UIs answer with decisions; any reject means "do not connect".
  const decisions = (value as { decisions?: unknown } | null)?.decisions;
  if (Array.isArray(decisions)) {
    const rejected = decisions.some((decision) => (decision as { type?: unknown } | null)?.type === "reject");
    return { action: rejected ? "cancel" : "recheck" };
  }
  // Plain strings are accepted for convenience ("cancel" / "recheck").
  if (value === "cancel") return { action: "cancel" };
  return { action: "recheck" };
}
