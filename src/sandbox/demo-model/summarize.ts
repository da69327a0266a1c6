import { CONNECTOR_NAMES, connectorOfTool } from "./connector-names.js";
import type { DemoConnector, DemoContext, Outcome } from "./plan.js";
import { calendarSummarizers } from "./summaries/calendar.js";
import type { Env, Summarizer } from "./summaries/common.js";
import { mailSummarizers } from "./summaries/mail.js";
import { notionSummarizers } from "./summaries/notion.js";
import { slackSummarizers } from "./summaries/slack.js";
import { joinNames, truncate } from "./text.js";

const SUMMARIZERS: Record<string, Summarizer> = {
  ...mailSummarizers,
  ...calendarSummarizers,
  ...slackSummarizers,
  ...notionSummarizers,
};

function genericSummary(outcome: Outcome): string {
  return `Done: ${outcome.name} returned ${truncate(JSON.stringify(outcome.data) ?? "nothing", 300)}`;
}

// ── errors ───────────────────────────────────────────────────────────────────

const ACTIONS: Record<string, string> = {
  gmail_search_messages: "search your Gmail",
  gmail_get_message: "open that email",
  gmail_send_message: "send the email",
  gmail_create_draft: "save the draft",
  google_calendar_list_events: "read your Google Calendar",
  google_calendar_create_event: "create the event",
  google_calendar_update_event: "move the event",
  google_calendar_delete_event: "cancel the event",
  google_calendar_find_free_time: "look for free time",
  slack_list_channels: "list your Slack channels",
  slack_read_channel: "read the Slack channel",
  slack_post_message: "post to Slack",
  slack_search_messages: "search Slack",
  slack_list_users: "list the people on Slack",
  notion_search: "search Notion",
  notion_get_page: "open the Notion page",
  notion_create_page: "create the Notion page",
  notion_append_to_page: "add to the Notion page",
  notion_query_database: "read the Notion database",
  outlook_search_messages: "search your Outlook mail",
  outlook_get_message: "open that email",
  outlook_send_message: "send the email",
  outlook_list_events: "read your Outlook calendar",
  outlook_create_event: "create the Outlook event",
  outlook_update_event: "move the Outlook event",
  outlook_delete_event: "cancel the Outlook event",
};

/** The user turned down (or cancelled) connecting the account. */
export function isDeclinedAuthorization(error: string): boolean {
  return /\b(?:declin\w*|cancell?(?:ed|ing)?|denied|refused|rejected)\b/i.test(error);
}

const NEEDS_CONNECTION =
  /\b(?:not\s+connected|authori[sz]\w*|unauthori[sz]ed|expired|revoked|reconnect|401)\b/i;

function explainFailures(failures: readonly Outcome[]): string {
  const lines: string[] = [];
  const connect = new Set<DemoConnector>();
  for (const failure of failures) {
    const action = ACTIONS[failure.name] ?? `run ${failure.name}`;
    const connector = connectorOfTool(failure.name);
    const service = connector ? CONNECTOR_NAMES[connector] : "the service";
    const error = failure.error ?? "unknown error";
    if (/kept rejecting/i.test(error)) {
      // Not a refusal by the person: the provider refused every token, even a fresh one.
      lines.push(
        `I couldn't ${action}: ${service} kept rejecting my access, even right after you reconnected it, so nothing was done. The ${service} account needs reconnecting: disconnect it and connect it again.`,
      );
      continue;
    }
    if (/the person declined this action/i.test(error)) {
      const reason = /Their reason: (.+)$/s.exec(error)?.[1]?.trim();
      lines.push(
        reason
          ? `I didn't ${action}: you declined it (${truncate(reason, 120)}), so nothing was done.`
          : `I didn't ${action}, as you asked; nothing was done.`,
      );
      continue;
    }
    if (/approval policy does not allow/i.test(error)) {
      lines.push(`I didn't ${action}: Delegate's approval policy does not allow it, so nothing was done.`);
      continue;
    }
    if (/approval was cancelled/i.test(error)) {
      lines.push(`I didn't ${action}: you cancelled instead of approving it, so nothing was done.`);
    } else if (/approval timed out/i.test(error)) {
      lines.push(`I didn't ${action}: it waited for your decision and timed out, so nothing was done.`);
    } else if (/authorization was cancelled/i.test(error)) {
      lines.push(`I didn't ${action}: you cancelled connecting ${service}, so nothing was done.`);
      if (connector) connect.add(connector);
    } else if (/authorization timed out/i.test(error)) {
      lines.push(`I didn't ${action}: ${service} wasn't connected in time, so nothing was done.`);
      if (connector) connect.add(connector);
    } else if (isDeclinedAuthorization(error)) {
      lines.push(
        `I didn't ${action}: ${service} isn't connected because the authorization was declined, so nothing was done.`,
      );
      if (connector) connect.add(connector);
    } else {
      lines.push(`I couldn't ${action}: ${truncate(error, 240)}`);
      if (connector && NEEDS_CONNECTION.test(error)) connect.add(connector);
    }
  }
  if (connect.size) {
    const ids = [...connect];
    const names = joinNames(ids.map((id) => CONNECTOR_NAMES[id]));
    // Every surface (chat, server, scripts) offers the link when a tool needs the account.
    lines.push(`Whenever you're ready, ask me again and I'll send you a link to connect ${names}.`);
  }
  return lines.join("\n");
}

/** The final answer of a turn: each result for a person, then what went wrong. */
export function finalAnswer(
  shown: readonly Outcome[],
  turn: readonly Outcome[],
  context: DemoContext,
): string {
  const env: Env = { context, turn, audience: "user" };
  const parts = shown
    .filter((outcome) => outcome.ok)
    .map((outcome) => (SUMMARIZERS[outcome.name] ?? genericSummary)(outcome, env));
  const failures = shown.filter((outcome) => !outcome.ok);
  if (failures.length) parts.push(explainFailures(failures));
  return parts.join("\n\n") || "Done.";
}

/** A post for others summarizing results ("Calendar for tomorrow: • …"). */
export function shareSummary(
  outcomes: readonly Outcome[],
  turn: readonly Outcome[],
  context: DemoContext,
): string {
  const env: Env = { context, turn, audience: "share" };
  return outcomes
    .filter((outcome) => outcome.ok)
    .map((outcome) => (SUMMARIZERS[outcome.name] ?? genericSummary)(outcome, env))
    .join("\n\n");
}
