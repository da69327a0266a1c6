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
};

/** Built once: a zod schema costs far more to build than to use. */
const RunControlsSchema = z.object(RunControls);

export const RunContextSchema = IdentitySchema.extend(RunControls);
/** For hosts that fix the identity themselves: the user fields may be absent. */
export const HostRunContextSchema = IdentitySchema.partial().extend(RunControls);

export type RunContext = z.infer<typeof RunContextSchema>;

export function runControls(context: unknown): {
  cancelled: ReadonlySet<string>;
  reason: "declined" | "timeout";
} {
  const parsed = RunControlsSchema.safeParse(context ?? {});
  const controls = parsed.success ? parsed.data : {};
  return {
    cancelled: new Set(controls.cancelledToolCalls ?? []),
    reason: controls.cancelReason ?? "declined",
  };
}
