import { z } from "zod";
import { IdentitySchema } from "../auth/identity.js";

/** What the runtime tells one run of the graph, besides the user. Not checkpointed. */
const RunControls = {
  /**
   * Set on the run that resumes a cancelled (or timed-out) authorization: these tool calls must
   * not run, even if their accounts got connected in the meantime.
   */
  cancelledToolCalls: z.array(z.string()).optional(),
  cancelReason: z.enum(["declined", "timeout"]).optional(),
  /**
   * The AI message those calls belong to: later messages of the same run may reuse the ids (some
   * models number calls per message), and their calls are not cancelled.
   */
  cancelledMessageId: z.string().optional(),
};

/** Built once: a zod schema costs far more to build than to use. */
const RunControlsSchema = z.object(RunControls);

export const RunContextSchema = IdentitySchema.extend(RunControls);
/** For hosts that fix the identity themselves: the user fields may be absent. */
export const HostRunContextSchema = IdentitySchema.partial().extend(RunControls);

export type RunContext = z.infer<typeof RunContextSchema>;

export function runControls(context: unknown): {
  /** The cancelled calls of the AI message `messageId` (of any message when it is not known). */
  cancelledFor(messageId: string | undefined): ReadonlySet<string>;
  reason: "declined" | "timeout";
} {
  const parsed = RunControlsSchema.safeParse(context ?? {});
  const controls = parsed.success ? parsed.data : {};
  const cancelled = new Set(controls.cancelledToolCalls ?? []);
  const only = controls.cancelledMessageId;
  return {
    cancelledFor: (messageId) => (only === undefined || only === messageId ? cancelled : new Set()),
    reason: controls.cancelReason ?? "declined",
  };
}
