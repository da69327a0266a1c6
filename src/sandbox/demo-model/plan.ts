import type { ConnectorId } from "../../index.js";
import type { PlainDate } from "./dates.js";

/** The connectors the demo model knows, in Delegate's ids. */
export type DemoConnector = ConnectorId;

/** What the matchers and summaries know about the user's clock. */
export interface DemoContext {
  timeZone: string;
  now: Date;
  today: PlainDate;
}

export interface ProposedCall {
  name: string;
  args: Record<string, unknown>;
  /** A lookup whose result a later step reports, so the final answer does not repeat it. */
  quiet?: boolean;
}

/** A tool call of this turn paired with its result. */
export interface Outcome {
  id: string;
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  /** The parsed JSON result when ok. */
  data: unknown;
  /** A plain description of what went wrong when not ok. */
  error?: string;
}

/** The next thing to do once a step's results are in: more calls, a final text, or null for a summary. */
export type FollowUp = (outcomes: readonly Outcome[], context: DemoContext) => Reply | null;

export interface Plan {
  kind: "plan";
  /** A short lead-in said before the calls ("Let me check your unread Gmail messages."). */
  lead: string;
  calls: ProposedCall[];
  next?: FollowUp;
}

export interface TextReply {
  kind: "text";
  text: string;
  /**
   * For a question ("Which one should I cancel?"): what the user's next message means as its
   * answer, or null when it does not answer it. The engine finds the question again by replaying
   * the previous turn, since the model keeps no state.
   */
  choose?: (answer: string, context: DemoContext) => Reply | null;
}

export type Reply = Plan | TextReply;

/** A matcher returns null when the request is not for it. */
export type Matcher = (request: string, context: DemoContext) => Reply | null;

export const plan = (lead: string, calls: ProposedCall[], next?: FollowUp): Plan =>
  next ? { kind: "plan", lead, calls, next } : { kind: "plan", lead, calls };

export const text = (value: string): TextReply => ({ kind: "text", text: value });

/** Tries matchers in order. */
export function firstMatch(
  matchers: readonly Matcher[],
  request: string,
  context: DemoContext,
): Reply | null {
  for (const matcher of matchers) {
    const reply = matcher(request, context);
    if (reply) return reply;
  }
  return null;
}

/** Reads a field path from loosely typed JSON. */
export function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!current || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function asRecords(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => !!item && typeof item === "object")
    : [];
}

/** The first of several possible array fields ("messages", "items", …). */
export function listIn(data: unknown, ...keys: string[]): Record<string, unknown>[] {
  if (Array.isArray(data)) return asRecords(data);
  for (const key of keys) {
    const value = field(data, key);
    if (Array.isArray(value)) return asRecords(value);
  }
  return [];
}

/** The first non-empty string among several possible fields. */
export function stringIn(record: unknown, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = field(record, key);
    if (typeof value === "string" && value.trim()) return value.trim();
    if (typeof value === "number") return String(value);
  }
  return undefined;
}
