import * as gmail from "./intents/gmail.js";
import * as googleCalendar from "./intents/google-calendar.js";
import * as notion from "./intents/notion.js";
import * as outlook from "./intents/outlook.js";
import * as slack from "./intents/slack.js";
import {
  type DemoContext,
  type FollowUp,
  firstMatch,
  type Matcher,
  type Plan,
  plan,
  type Reply,
  text,
} from "./plan.js";
import { shareSummary } from "./summarize.js";
import { normalizeRequest, quotedRanges } from "./text.js";

/**
 * Connectors named outright (Outlook, Notion) go first; writing mail goes before Slack because a
 * body may mention a #channel; reading mail goes last because its words are the most generic.
 */
const MATCHERS: Matcher[] = [
  ...outlook.matchers,
  ...notion.matchers,
  ...gmail.composeMatchers,
  ...slack.matchers,
  ...googleCalendar.matchers,
  ...gmail.matchers,
];

/** Where a request may join two requests: "?", ";", ", then", "then", "and". */
const SEPARATOR =
  /\s*[?;!]\s+|\.\s+|\s*,\s*(?:and\s+)?(?:then\s+)?|\s+(?:and\s+)?then\s+|\s+and\s+(?:also\s+)?|\s+also\s+/gi;

function matchOne(request: string, context: DemoContext): Reply | null {
  const normalized = normalizeRequest(request);
  return normalized ? firstMatch(MATCHERS, normalized, context) : null;
}

/** Runs two plans side by side: both first calls in one message, both follow-ups after. */
function parallel(first: Plan, second: Plan): Plan {
  if (!first.next && !second.next)
    return plan(`${first.lead} ${second.lead}`, [...first.calls, ...second.calls]);
  const next: FollowUp = (outcomes, context) => {
    const replies = [first.next?.(outcomes, context) ?? null, second.next?.(outcomes, context) ?? null];
    const plans = replies.filter((reply): reply is Plan => reply?.kind === "plan");
    const notes = replies.flatMap((reply) => (reply?.kind === "text" ? [reply.text] : []));
    const [one, two] = plans;
    if (!one) return notes.length ? text(notes.join("\n\n")) : null;
    const continued = two ? parallel(one, two) : one;
    // A part that ended with a note still says it, ahead of the other part's next calls.
    return notes.length ? { ...continued, lead: [...notes, continued.lead].join("\n\n") } : continued;
  };
  return plan(`${first.lead} ${second.lead}`, [...first.calls, ...second.calls], next);
}

/** Runs a plan to its end, then posts a summary of its last results to a Slack channel. */
function thenShare(first: Plan, channel: string): Plan {
  const next: FollowUp = (outcomes, context) => {
    const inner = first.next?.(outcomes, context) ?? null;
    if (inner?.kind === "plan") return thenShare(inner, channel);
    if (inner?.kind === "text") return text(`${inner.text}\nSo I didn't post anything to ${channel}.`);
    const summary = shareSummary(outcomes, outcomes, context);
    if (!summary) return text(`There was nothing to post to ${channel}.`);
    return plan(`Now posting a summary to ${channel}.`, [
      { name: "slack_post_message", args: { channel, text: summary } },
    ]);
  };
  return plan(first.lead, first.calls, next);
}

/** Splits "A and B" / "A? post it to #x" into two requests when both halves are understood. */
function matchJoined(request: string, context: DemoContext): Plan | null {
  const quoted = quotedRanges(request);
  for (const separator of request.matchAll(SEPARATOR)) {
    const at = separator.index;
    if (quoted.some(([start, end]) => at > start && at < end)) continue;
    const left = request.slice(0, at);
    const right = request.slice(at + separator[0].length);
    if (!left.trim() || !right.trim()) continue;
    const first = matchOne(left, context);
    if (first?.kind !== "plan") continue;
    const channel = slack.matchShare(normalizeRequest(right));
    if (channel) return thenShare(first, channel);
    const second = matchJoined(right, context) ?? matchOne(right, context);
    if (second?.kind === "plan") return parallel(first, second);
  }
  return null;
}

/** What the demo model makes of a request: a plan, a text reply, or null when not understood. */
export function route(request: string, context: DemoContext): Reply | null {
  const normalized = normalizeRequest(request);
  if (!normalized) return null;
  return matchJoined(normalized, context) ?? matchOne(normalized, context);
}
