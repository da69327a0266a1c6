import { createColors } from "picocolors";

export type Colors = ReturnType<typeof createColors>;

/**
 * Colours for the transcript: only when stdout is a terminal, never with NO_COLOR set to
 * anything non-empty (https://no-color.org) or TERM=dumb; FORCE_COLOR (not "0") forces them.
 */
export function transcriptColors(
  output: { isTTY?: boolean },
  env: Record<string, string | undefined>,
): Colors {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return createColors(!noColor && (forced || (output.isTTY === true && env.TERM !== "dumb")));
}

/** `gmail_search_messages(query: "is:unread", max_results: 10)`, shortened to one line. */
export function describeCall(name: string, args: Record<string, unknown> | undefined): string {
  const parts = Object.entries(args ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([key, value]) => `${key}: ${shorten(JSON.stringify(value) ?? String(value), 60)}`);
  return `${name}(${shorten(parts.join(", "), 120)})`;
}

export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
