import { stripVTControlCharacters } from "node:util";
import type { AuthorizationRequest } from "../../agent/authorization-request.js";
import type { TerminalSettings } from "../../config/env-config.js";
import { type Colors, colorsFor } from "../terminal-colors.js";

export type { Colors };

export interface TerminalStyle {
  colors: Colors;
  /**
   * A person at a terminal (stdin and stdout are both TTYs): prompt, spinner and OSC 8
   * hyperlinks. Otherwise (piped input or output) the output is plain lines, links on their own.
   */
  tty: boolean;
  /** OSC 8 hyperlinks (a TTY whose TERM is not "dumb"). */
  hyperlinks: boolean;
  /** The zone times are shown in (DELEGATE_TIMEZONE, the one the agent speaks in); else the system's. */
  timeZone?: string;
}

/** Colour and hyperlinks only for a person at a terminal, as the configuration's terminal settings allow. */
export function terminalStyle(
  streams: { input: { isTTY?: boolean }; output: { isTTY?: boolean } },
  terminal: TerminalSettings,
  timeZone?: string,
): TerminalStyle {
  const tty = streams.input.isTTY === true && streams.output.isTTY === true;
  return {
    colors: colorsFor(tty, terminal),
    tty,
    hyperlinks: tty && terminal.dumb !== true,
    ...(timeZone ? { timeZone } : {}),
  };
}

/** An OSC 8 hyperlink on a TTY (its text is the URL itself, so it reads the same without OSC 8), else the plain URL. */
export function link(style: TerminalStyle, url: string, text = url): string {
  if (!style.hyperlinks) return url;
  return `\u001b]8;;${url}\u0007${text}\u001b]8;;\u0007`;
}

export function authorizationLines(
  style: TerminalStyle,
  requests: readonly AuthorizationRequest[],
): string[] {
  const { colors } = style;
  const lines: string[] = [];
  const width = Math.max(...requests.map((request) => request.displayName.length));
  for (const request of requests) {
    const expires = formatTime(request.expiresAt, style.timeZone);
    if (style.tty) {
      lines.push(
        `  ${colors.bold(request.displayName.padEnd(width))}  ${colors.cyan(link(style, request.url))}  ${colors.dim(`(link expires ${expires})`)}`,
      );
    } else {
      // Without a TTY the link stands on its own line so scripts can pick it up.
      lines.push(`${request.displayName} (link expires ${expires}):`);
      lines.push(request.url);
    }
  }
  return lines;
}

export function formatTime(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  });
}

/** 65 s → "1:05". */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** 1 → "1 second", 600 → "10 minutes", 90 → "1 min 30 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (rest === 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  return `${minutes} min ${rest} s`;
}

export { joinNames, oneLine } from "../../text.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
const ESCAPES = /\u001b\][^\u0007]*\u0007|\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Visible width of a string on a terminal (escape sequences removed; one column per code point). */
export function visibleWidth(text: string): number {
  return [...text.replace(ESCAPES, "")].length;
}

/** C0 and C1 control characters, except newline and tab. */
function isControl(code: number): boolean {
  return (code <= 0x1f && code !== 0x0a && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

/**
 * Removes terminal control sequences whole (Node's `stripVTControlCharacters`), then any control
 * character left (keeping newlines and tabs), from text that came from outside — an email, a
 * Slack message, the model — so it cannot clear the screen, fake a link or write the clipboard
 * (OSC 52), and leaves none of a sequence's parameters behind as text.
 */
export function stripControls(text: string): string {
  text = stripVTControlCharacters(text);
  let out = "";
  for (const char of text) if (!isControl(char.codePointAt(0) ?? 0)) out += char;
  return out;
}

/** Like `stripControls`, but keeps colour (SGR) sequences, for lines Delegate has styled itself. */
export function stripControlsKeepColour(text: string): string {
  const sgr = `${String.fromCharCode(0x1b)}\\[[0-9;]*m`;
  return text
    .split(new RegExp(`(${sgr})`))
    .map((part, index) => (index % 2 === 1 ? part : stripControls(part)))
    .join("");
}
