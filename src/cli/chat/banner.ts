import type { ConnectionOverview, PendingAuthorizationView, ThreadView } from "../../index.js";
import { formatTime, joinNames, link, oneLine, stripControls, type TerminalStyle } from "./render.js";

export interface BannerFacts {
  modeLabel: string;
  modelLabel: string;
  userId: string;
  threadId: string;
  thread: ThreadView | undefined;
  dataDir?: string;
  examples: readonly string[];
  /** The enabled connectors' names (DELEGATE_CONNECTORS may turn some off). */
  connectors: readonly string[];
}

/** The lines the REPL starts with: what it runs on, for whom, on which thread. */
export function bannerLines(style: TerminalStyle, facts: BannerFacts): string[] {
  const { colors } = style;
  const label = (text: string) => colors.dim(text.padEnd(7));
  const count = facts.thread?.messages.filter((message) => message.role !== "tool").length ?? 0;
  const threadNote =
    count > 0
      ? colors.dim(` (continued, ${count} message${count === 1 ? "" : "s"} so far)`)
      : colors.dim(" (new)");
  const lines = [
    colors.bold("Delegate") + colors.dim(` — acts in your ${joinNames(facts.connectors)}`),
    `  ${label("mode")} ${facts.modeLabel}`,
    `  ${label("model")} ${facts.modelLabel}`,
    `  ${label("user")} ${facts.userId}`,
    `  ${label("thread")} ${facts.threadId}${threadNote}`,
  ];
  if (facts.dataDir) lines.push(`  ${label("data")} ${facts.dataDir}`);
  if (facts.examples.length > 0)
    lines.push(colors.dim(`Try: ${facts.examples.map((example) => `"${example}"`).join(", ")}`));
  // Piped, the session ends with its input (or /exit): there is no key to press.
  lines.push(
    colors.dim(style.tty ? "Type a request, or /help. Ctrl+D to quit." : "Type a request, or /help."),
  );
  return lines;
}

/** On start, for a thread left waiting (e.g. before a restart): what it waits for, and since when. */
export function stillWaitingLines(
  style: TerminalStyle,
  thread: ThreadView,
  pending: PendingAuthorizationView,
  now = Date.now(),
): string[] {
  const names = joinNames(pending.requests.map((request) => request.displayName));
  const what = names ? `you to connect ${names}` : "your answer";
  const asked = [...thread.messages].reverse().find((message) => message.role === "user");
  const since = `since ${formatTime(pending.createdAt, style.timeZone)}`;
  const about = asked ? `, for: "${stripControls(oneLine(asked.text, 80))}"` : "";
  // A decision has no deadline: the calls wait for the person's answer however long it takes.
  if (!names) {
    return [
      style.colors.yellow(`This thread is still waiting for ${what} (${since})${about}.`),
      style.colors.dim("Asking again…"),
    ];
  }
  const when = `${since}, until ${formatTime(pending.deadline, style.timeZone)}`;
  return Date.parse(pending.deadline) <= now
    ? [
        // Its time ran out while nothing was running: one last look, then it ends as timed out.
        style.colors.yellow(`This thread was waiting for ${what} (${when})${about}.`),
        style.colors.dim("Checking whether it is connected now; if not, the wait ends."),
      ]
    : [
        // The deadline was set when the wait began (a later --auth-timeout applies to new waits).
        style.colors.yellow(`This thread is still waiting for ${what} (${when})${about}.`),
        style.colors.dim("Checking again and getting a fresh link…"),
      ];
}

/**
 * `/connections`: every connector's status, from the status look-up alone (no account or link
 * is created). A link is shown only where one is already pending: the wait's or `/connect`'s.
 */
export function connectionLines(
  style: TerminalStyle,
  userId: string,
  overview: readonly ConnectionOverview[],
  linkFor: (connector: string) => string | undefined,
): string[] {
  const { colors } = style;
  const width = Math.max(0, ...overview.map((item) => item.displayName.length));
  const lines = [`Connections of ${userId}:`];
  for (const item of overview) {
    const name = item.displayName.padEnd(width);
    if (item.status === "ACTIVE") {
      lines.push(`  ${colors.green("●")} ${name}  ${colors.green("connected")}`);
      continue;
    }
    const url = linkFor(item.connector);
    const state = describeStatus(item, url !== undefined);
    if (style.tty) {
      lines.push(
        `  ${colors.dim("○")} ${name}  ${colors.yellow(state)}${url ? `  ${colors.cyan(link(style, url))}` : ""}`,
      );
    } else {
      lines.push(`  ○ ${name}  ${state}${url ? " — connect at:" : ""}`);
      if (url) lines.push(url);
    }
  }
  if (overview.some((item) => item.status !== "ACTIVE")) {
    lines.push(colors.dim("Get a link with /connect <connector>."));
  }
  return lines;
}

function describeStatus(item: ConnectionOverview, linked: boolean): string {
  switch (item.status) {
    case "ACTIVE":
      return "connected";
    case "NOT_FOUND":
      return "not connected";
    case "PENDING_AUTH":
      // Scalekit keeps an account it made for a link; with no live link nothing is waiting.
      return linked ? "waiting for consent" : "not connected (consent not finished)";
    case "PENDING_VERIFICATION":
      // Consent was given, but the browser never came back to this REPL's verify listener.
      return "consent given, not verified (connect again from this computer)";
    case "EXPIRED":
      return "expired, reconnect";
    case "DISCONNECTED":
      return "disconnected";
    default:
      return String(item.status).toLowerCase();
  }
}

/** The last line: how to come back to the thread (and that it still waits, if it does). */
export function goodbyeLines(
  style: TerminalStyle,
  facts: { userId: string; threadId: string; stillWaiting: string | undefined; asking?: boolean },
): string[] {
  const again = continueCommand(facts.userId, facts.threadId);
  if (facts.stillWaiting) {
    const then = facts.asking ? "it asks again" : "it shows a fresh link";
    return [
      style.colors.yellow(`Still waiting for ${facts.stillWaiting}. To continue later: ${again} (${then}).`),
    ];
  }
  return style.tty ? [style.colors.dim(`Bye. Continue this thread with: ${again}`)] : [];
}

/** The command that continues a thread: with its user, as a thread is found only under its own. */
export function continueCommand(userId: string, threadId: string): string {
  return `delegate chat --user ${shellWord(userId)} --thread ${threadId}`;
}

/** `value` as one shell word: bare when it is plain, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w.@+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
