import { stripControls } from "./render.js";

/** The longest message the REPL sends (UTF-8 bytes): a paste of a whole mailbox is refused, not sent. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export type InputLine =
  | { kind: "empty" }
  | { kind: "too-long"; bytes: number }
  | { kind: "text"; text: string; command?: { name: string; args: string[] } };

/**
 * One line of input, made safe to echo and send: terminal controls removed (a piped line could
 * otherwise clear the screen or fake a link when echoed), tabs as spaces, and a size limit.
 */
export function readInputLine(raw: string): InputLine {
  const bytes = Buffer.byteLength(raw, "utf8");
  if (bytes > MAX_MESSAGE_BYTES) return { kind: "too-long", bytes };
  const text = stripControls(raw).replaceAll("\t", " ").trim();
  if (!text) return { kind: "empty" };
  if (!text.startsWith("/")) return { kind: "text", text };
  const [name = "", ...args] = text.slice(1).split(/\s+/);
  return { kind: "text", text, command: { name: name.toLowerCase(), args } };
}

export function tooLongMessage(bytes: number): string {
  const size = (n: number) => `${Math.ceil(n / 1024).toLocaleString("en-US")} KB`;
  return `! That line is ${size(bytes)}; a message can be at most ${size(MAX_MESSAGE_BYTES)}. Nothing was sent.`;
}
