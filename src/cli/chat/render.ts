import { createColors } from "picocolors";
import type { AuthorizationRequest } from "../../agent/authorization-request.js";

export type Colors = ReturnType<typeof createColors>;

export interface TerminalStyle {
  colors: Colors;
  /** OSC 8 hyperlinks and spinners only on a real terminal. */
  tty: boolean;
}

export function terminalStyle(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): TerminalStyle {
  const tty = stream.isTTY === true;
  const color = tty && !("NO_COLOR" in env) && env.TERM !== "dumb";
  return { colors: createColors(color || "FORCE_COLOR" in env), tty };
}

/** An OSC 8 hyperlink on a TTY (clickable, shows the URL), else the plain URL. */
export function link(style: TerminalStyle, url: string, text = url): string {
  if (!style.tty) return url;
  return `\u001b]8;;${url}\u0007${text}\u001b]8;;\u0007`;
}

export function authorizationLines(style: TerminalStyle, requests: readonly AuthorizationRequest[]): string[] {
  const { colors } = style;
  const lines: string[] = [];
  for (const request of requests) {
    const expires = formatTime(request.expiresAt);
    if (style.tty) {
      lines.push(`  ${colors.bold(request.displayName)}  ${colors.cyan(link(style, request.url))}  ${colors.dim(`(link expires ${expires})`)}`);
    } else {
      // Without a TTY the link stands on its own line so scripts can pick it up.
      lines.push(`${request.displayName} (link expires ${expires}):`);
      lines.push(request.url);
    }
  }
  return lines;
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

export function joinNames(names: readonly string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? "";
  return `${unique.slice(0, -1).join(", ")} and ${unique.at(-1)}`;
}

/** `gmail_search_messages {"query":"is:unread"}` → a compact, single-line call summary. */
export function describeCall(name: string, args: Record<string, unknown> | undefined): string {
  const parts = Object.entries(args ?? {})
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([key, value]) => `${key}: ${shorten(typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value), 40)}`);
  return `${name}(${shorten(parts.join(", "), 90)})`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
