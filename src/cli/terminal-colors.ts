import { createColors } from "picocolors";
import type { TerminalSettings } from "../config/env-config.js";

export type Colors = ReturnType<typeof createColors>;

/** Colour for a terminal (unless TERM is dumb), never with NO_COLOR, always with FORCE_COLOR. */
export function colorsFor(tty: boolean, terminal: TerminalSettings): Colors {
  const color = terminal.color ?? "auto";
  return createColors(color === "always" || (color === "auto" && tty && terminal.dumb !== true));
}
