export type { Colors } from "../terminal-colors.js";

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
