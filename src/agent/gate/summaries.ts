import type { ToolBinding } from "../../connectors/build-tools.js";
import { truncate } from "../../text.js";
import { emailAddress } from "../approvals/call-targets.js";
import type { ToolCallLike } from "./tool-call.js";

/**
 * One line a person can decide on: the tool's own summary when it declares one, else one built
 * from the arguments every connector shares (recipients, subject, channel, title, body).
 */
export function summarizeCall(call: ToolCallLike, binding: ToolBinding | undefined): string {
  try {
    const own = binding?.traits.summarize?.(call.args);
    if (own) return own;
  } catch {
    // A summary must never block a decision; fall back to the generic one.
  }
  return genericSummary(call);
}

function genericSummary(call: ToolCallLike): string {
  const args = call.args;
  const recipients = listOf(args.to ?? args.toRecipients ?? args.attendees ?? args.attendees_emails);
  const where = stringOf(args.channel ?? args.parent_page_id ?? args.page_id ?? args.database_id);
  const title = stringOf(args.subject ?? args.title ?? args.summary);
  const body = stringOf(args.body ?? args.text ?? args.content ?? args.description);
  let line = call.name;
  if (recipients.length > 0) line += ` to ${recipients.join(", ")}`;
  if (where) line += ` in ${where}`;
  if (title) line += ` — "${truncate(title, 60).text}"`;
  if (body) line += ` (${wordCount(body)} words)`;
  return line;
}

/** A summary must name every target: the ones a tool's summary left out are added by field. */
export function withEveryTarget(
  summary: string,
  targets: readonly { field: string; display: string }[],
): string {
  const missing = targets.filter((target) => !summary.includes(target.display));
  if (missing.length === 0) return summary;
  const byField = new Map<string, string[]>();
  for (const target of missing)
    byField.set(target.field, [...(byField.get(target.field) ?? []), target.display]);
  return `${summary} · ${[...byField].map(([field, values]) => `${field} ${values.join(", ")}`).join(" · ")}`;
}

export function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.flatMap((item) => {
    if (typeof item === "string")
      return item.split(/[;,](?![^<]*>)/).map((part) => emailAddress(part.trim()));
    const address = (item as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address;
    return typeof address === "string" ? [address] : [];
  });
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
