import {
  clearLine,
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { ChatView, ViewHandlers, WaitIndicator } from "./chat-view.js";
import { formatElapsed, type TerminalStyle, visibleWidth } from "./render.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

/**
 * At a terminal. The waiting spinner is readline's own prompt (`setPrompt` + `prompt(true)`, redrawn
 * every 100 ms), so what a person types while Delegate waits stays visible and editable on that
 * line instead of being overwritten. Output goes above the prompt: the prompt's rows are erased,
 * the line written, and the prompt drawn again with what was typed. Only readline's public API.
 */
export class TtyView implements ChatView {
  readonly tty = true;
  readonly #input: Readable;
  readonly #output: Writable & { columns?: number };
  readonly #style: TerminalStyle;
  #rl: Interface | undefined;
  /** A prompt (the user's or the spinner) is on screen and the cursor is on it. */
  #shown = false;
  /** The text of the prompt last drawn. */
  #drawn = "";
  /**
   * Rows readline thinks its cursor is below the prompt's first row, left over from a prompt that
   * was erased: readline's next redraw moves up that far, so the same number of newlines comes first.
   */
  #staleRows = 0;
  #atLineStart = true;
  #wait: WaitIndicator | undefined;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #closed = false;

  constructor(input: Readable, output: Writable & { columns?: number }, style: TerminalStyle) {
    this.#input = input;
    this.#output = output;
    this.#style = style;
  }

  get columns(): number {
    const columns = this.#output.columns;
    return columns && columns > 0 ? columns : 80;
  }

  listen(handlers: ViewHandlers): void {
    const rl = createInterface({
      input: this.#input,
      output: this.#output,
      terminal: true,
      historySize: 200,
    });
    this.#rl = rl;
    rl.setPrompt(this.#userPrompt());
    rl.on("line", (raw) => this.#onLine(raw, handlers));
    rl.on("close", handlers.close);
    rl.on("SIGINT", handlers.interrupt);
  }

  print(line: string): void {
    const redraw = this.#shown || this.#wait !== undefined;
    this.#hide();
    this.endLine();
    this.#out(`${line}\n`);
    if (redraw) this.#draw();
  }

  write(text: string): void {
    if (text.length === 0) return;
    this.#hide();
    this.#out(text);
  }

  endLine(): void {
    if (!this.#atLineStart) this.#out("\n");
  }

  prompt(): void {
    if (this.#wait) return;
    this.#draw();
  }

  setWaiting(wait: WaitIndicator | undefined): void {
    if (this.#closed) return;
    if (wait) {
      this.#wait = wait;
      this.#frame = 0;
      this.#timer ??= setInterval(() => this.#tick(), FRAME_MS);
      this.#timer.unref();
      this.#draw();
      return;
    }
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#wait && this.#shown) this.#hide();
    this.#wait = undefined;
    this.#rl?.setPrompt(this.#userPrompt());
  }

  typed(): string {
    return this.#rl?.line ?? "";
  }

  clearTyped(): void {
    this.#rl?.write(null, { ctrl: true, name: "e" });
    this.#rl?.write(null, { ctrl: true, name: "u" });
  }

  close(): void {
    if (this.#closed) return;
    this.setWaiting(undefined);
    this.#hide();
    this.#closed = true;
    this.#rl?.close();
  }

  // ---- internals -------------------------------------------------------------------------

  #onLine(raw: string, handlers: ViewHandlers): void {
    // Enter: readline left the prompt and the text on the row(s) above and moved below them.
    const echoedWait = this.#shown && this.#drawn !== this.#userPrompt();
    this.#shown = false;
    this.#staleRows = 0;
    this.#atLineStart = true;
    // A line typed at the spinner is echoed by the controller (or held): remove the spinner row.
    if (echoedWait) this.#eraseAbove(this.#rows(this.#drawn + raw) + 1);
    handlers.line(raw);
    if (this.#wait && !this.#shown && !this.#closed) this.#draw();
  }

  #tick(): void {
    this.#frame += 1;
    if (this.#shown && this.#wait) this.#draw();
  }

  #waitPrompt(wait: WaitIndicator): string {
    const { colors } = this.#style;
    const frame = FRAMES[this.#frame % FRAMES.length] ?? "";
    const elapsed = formatElapsed(Date.now() - wait.since);
    return `${colors.cyan(frame)} Waiting for you to connect ${wait.names}… ${elapsed} ${colors.dim("(Ctrl+C or /cancel to cancel)")} ${colors.bold(colors.green("›"))} `;
  }

  #userPrompt(): string {
    return this.#style.colors.bold(this.#style.colors.green("you › "));
  }

  /** Draws the prompt (the spinner while waiting) with what was typed, via readline. */
  #draw(): void {
    const rl = this.#rl;
    if (!rl || this.#closed) return;
    if (!this.#shown) {
      this.endLine();
      if (this.#staleRows > 0) this.#out("\n".repeat(this.#staleRows));
      this.#staleRows = 0;
    }
    this.#drawn = this.#wait ? this.#waitPrompt(this.#wait) : this.#userPrompt();
    rl.setPrompt(this.#drawn);
    rl.prompt(true);
    this.#shown = true;
    this.#atLineStart = false;
  }

  /** Erases the prompt and what is typed after it; readline keeps the text for the next draw. */
  #hide(): void {
    const rl = this.#rl;
    if (!this.#shown || !rl) return;
    const cursorRows = rl.getCursorPos().rows;
    if (cursorRows > 0) moveCursor(this.#output, 0, -cursorRows);
    this.#clearFromHere(this.#rows(this.#drawn + rl.line) > 0);
    this.#staleRows = cursorRows;
    this.#shown = false;
    this.#atLineStart = true;
  }

  /** Erases the `rows` rows above the cursor, leaving it at the start of the topmost. */
  #eraseAbove(rows: number): void {
    moveCursor(this.#output, 0, -rows);
    this.#clearFromHere(rows > 1);
  }

  /**
   * Clears from the cursor's row down. A single row is erased with EL rather than ED, which tmux
   * and some terminals turn into scrollback when the cursor is at the top of the screen.
   */
  #clearFromHere(severalRows: boolean): void {
    cursorTo(this.#output, 0);
    if (severalRows) clearScreenDown(this.#output);
    else clearLine(this.#output, 0);
  }

  /** Rows below the first that `text` takes on the terminal. */
  #rows(text: string): number {
    return Math.floor(Math.max(0, visibleWidth(text) - 1) / this.columns);
  }

  #out(text: string): void {
    this.#output.write(text);
    this.#atLineStart = text.endsWith("\n");
  }
}
