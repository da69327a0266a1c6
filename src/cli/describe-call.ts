import { truncate } from "../text.js";

export interface CallLimits {
  /** Longest shown value of one argument. */
  value: number;
  /** Longest shown argument list. */
  args: number;
  /** How a long value or list is cut (default: at a word, `truncate`). */
  cut?: (text: string, max: number) => string;
}

const CHAT_LIMITS: CallLimits = { value: 40, args: 90 };

/**
 * `gmail_search_messages(query: "is:unread", max_results: 10)`: a compact, single-line call
 * summary. Empty arguments are left out. The REPL and the script runner's report share it, each
 * with its own limits.
 */
export function describeCall(
  name: string,
  args: Record<string, unknown> | undefined,
  limits: CallLimits = CHAT_LIMITS,
): string {
  const cut = limits.cut ?? ((text: string, max: number) => truncate(text, max).text);
  const parts = Object.entries(args ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([key, value]) => `${key}: ${cut(JSON.stringify(value) ?? String(value), limits.value)}`);
  return `${name}(${cut(parts.join(", "), limits.args)})`;
}
