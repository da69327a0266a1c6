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
});
export type AuthorizationInterrupt = z.infer<typeof AuthorizationInterruptSchema>;

export function isAuthorizationInterrupt(value: unknown): value is AuthorizationInterrupt {
  return AuthorizationInterruptSchema.safeParse(value).success;
}

/** What a caller resumes the interrupt with. Anything else is treated as `recheck`. */
export const ResumeValueSchema = z.object({ action: z.enum(["recheck", "cancel"]) });
export type ResumeValue = z.infer<typeof ResumeValueSchema>;

export function parseResumeValue(value: unknown): ResumeValue {
  const parsed = ResumeValueSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Plain strings are accepted for convenience ("cancel" / "recheck").
  if (value === "cancel") return { action: "cancel" };
  return { action: "recheck" };
}
