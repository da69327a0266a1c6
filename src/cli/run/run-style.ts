import { clip } from "../../text.js";
import { describeCall as describeAnyCall } from "../describe-call.js";

export type { Colors } from "../terminal-colors.js";

/** The report's call line: more room than the REPL's, and values cut where they reach it. */
export function describeCall(name: string, args: Record<string, unknown> | undefined): string {
  return describeAnyCall(name, args, { value: 60, args: 120, cut: clip });
}
