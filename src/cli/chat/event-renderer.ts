import {
  type AuthorizationRequest,
  CONNECTORS,
  isConnectorId,
  type RuntimeEvent,
  type ThreadMessageView,
} from "../../index.js";
import { truncate } from "../../text.js";
import { describeCall } from "../describe-call.js";
import {
  authorizationLines,
  formatDuration,
  joinNames,
  oneLine,
  stripControls,
  type TerminalStyle,
} from "./render.js";

/** What the view does with a rendered event: a whole line, streamed text, or end the line. */
export type Output = { line: string } | { text: string } | { endLine: true };

export interface EventRendererOptions {
  style: TerminalStyle;
  /** The terminal's width, for fitting tool lines (0 without a terminal). */
  columns: () => number;
  /** How long a turn waits for a connection, for the timeout message. */
  authTimeoutMs?: number;
  /** Say how to connect later (not when consent completes by itself, `--auto-approve`). */
  connectHint?: boolean;
}

/**
 * Runtime events → output, with the little state a transcript needs (the calls' arguments, the
 * connectors' display names, whether the reply was streamed). No I/O: the view writes the result.
 * Text from outside (the model, emails, Slack messages) has its terminal controls removed here.
 */
export class EventRenderer {
  readonly #options: EventRendererOptions;
  readonly #calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  /** Connection name → display name, from every request seen. */
  readonly #names = new Map<string, string>();
  /** Ids of the assistant messages shown, and the tool results (call, outcome). */
  readonly #messages = new Set<string>();
  readonly #results = new Set<string>();
  #streamed = false;

  constructor(options: EventRendererOptions) {
    this.#options = options;
  }

  /** Tool calls of a stored thread, so a resumed call's line still shows its arguments. */
  rememberCalls(messages: readonly ThreadMessageView[]): void {
    for (const message of messages) {
      for (const call of message.toolCalls ?? [])
        this.#calls.set(call.id, { name: call.name, args: call.args });
    }
  }

  rememberRequests(requests: readonly AuthorizationRequest[]): void {
    for (const request of requests) this.#names.set(request.connection, request.displayName);
  }

  /** "Gmail and Slack" for connection names. */
  namesOf(connections: readonly string[]): string {
    return joinNames(
      connections.map(
        (connection) =>
          this.#names.get(connection) ??
          Object.values(CONNECTORS).find((connector) => connector.defaultConnection === connection)
            ?.displayName ??
          connection,
      ),
    );
  }

  render(event: RuntimeEvent): Output[] {
    const { colors } = this.#options.style;
    switch (event.type) {
      case "text-delta":
        this.#streamed = true;
        return [{ text: stripControls(event.text) }];
      case "message": {
        const streamed = this.#streamed;
        this.#streamed = false;
        // A resumed run repeats the message that preceded the pause (same id): it was shown.
        const seen = event.messageId !== undefined && this.#messages.has(event.messageId);
        if (event.messageId !== undefined) this.#messages.add(event.messageId);
        return streamed || seen
          ? [{ endLine: true }]
          : [{ text: stripControls(event.text) }, { endLine: true }];
      }
      case "tool-call":
        this.#calls.set(event.toolCallId, { name: event.toolName, args: event.args });
        return [];
      case "tool-result": {
        // A resumed run may report results already shown (the same call, the same outcome).
        const key = `${event.toolCallId}\u0000${event.status}\u0000${event.summary}`;
        if (this.#results.has(key)) return [];
        this.#results.add(key);
        return [{ line: this.#toolLine(event) }];
      }
      case "authorization-required":
        return this.#authorizationRequired(event.requests, event.message, event.approvals.length > 0);
      case "authorization-completed":
        return [{ line: `${colors.green("✓")} ${this.namesOf(event.connections)} connected` }];
      case "authorization-expired": {
        const limit = this.#options.authTimeoutMs
          ? ` (the limit is ${formatDuration(this.#options.authTimeoutMs)})`
          : "";
        return [
          {
            line: colors.yellow(
              `Timed out: ${this.namesOf(event.connections)} was not connected in time${limit}, so that part of the request was not done. This thread goes on — connect with /connect and ask again whenever you are ready.`,
            ),
          },
        ];
      }
      case "authorization-cancelled":
        // A wait with no connection was a wait for decisions only: name what it means for them.
        return [
          {
            line: colors.yellow(
              event.connections.length > 0
                ? `Cancelled: no longer waiting for ${this.namesOf(event.connections)}.`
                : "Cancelled: the actions waiting for your answer will not run.",
            ),
          },
        ];
      case "error":
        return [{ line: colors.red(`! ${stripControls(oneLine(event.message, 500))}`) }];
      case "turn-end":
        this.#streamed = false;
        return [{ endLine: true }];
      default:
        return [];
    }
  }

  #toolLine(event: Extract<RuntimeEvent, { type: "tool-result" }>): string {
    const { colors, tty } = this.#options.style;
    const call = this.#calls.get(event.toolCallId);
    const ok = event.status === "success";
    const mark = ok ? colors.green("✓") : colors.red("✗");
    const [described, outcome] = fitToolLine(
      stripControls(describeCall(event.toolName || call?.name || "tool", call?.args)),
      stripControls(oneLine(event.summary, 140)),
      tty ? this.#options.columns() : 0,
    );
    return `  ${mark} ${colors.dim(described)} ${colors.dim("→")} ${ok ? outcome : colors.red(outcome)}`;
  }

  #authorizationRequired(requests: AuthorizationRequest[], message: string, approvals: boolean): Output[] {
    const { style } = this.#options;
    this.rememberRequests(requests);
    const connectors = [...new Set(requests.map((request) => request.connector))].filter(isConnectorId);
    // The REPL's own way back (other surfaces have no /connect, so the agent does not mention it).
    const later = connectors.length === 1 ? `/connect ${connectors[0]}` : "/connect <connector>";
    const lines: Output[] = [{ line: style.colors.yellow(stripControls(message).replace(/\.$/, ":")) }];
    if (requests.length === 0) return lines;
    lines.push(...authorizationLines(style, requests).map((line) => ({ line })));
    // While calls await a decision the question comes next; the hint would get in its way.
    if (!approvals && this.#options.connectHint !== false)
      lines.push({ line: style.colors.dim(`(or ${later} later)`) });
    return lines;
  }
}

/**
 * One line per tool call: on a terminal `  ✓ call(args) → outcome` is fitted to the width,
 * shortening the arguments first and the outcome down to about 40 characters.
 */
export function fitToolLine(described: string, outcome: string, columns: number): [string, string] {
  const chrome = 7; // "  ✓ " and " → "
  const room = columns - 1 - chrome;
  if (columns <= 0 || described.length + outcome.length <= room) return [described, outcome];
  const outcomeRoom = Math.max(40, room - described.length);
  const fittedOutcome = truncate(outcome, outcomeRoom).text;
  const callRoom = Math.max(20, room - fittedOutcome.length);
  const fittedCall = described.length > callRoom ? `${truncate(described, callRoom - 1).text})` : described;
  return [fittedCall, fittedOutcome];
}
