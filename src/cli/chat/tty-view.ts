import {
  clearLine,
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from "node:readline";
import { type Readable, Writable } from "node:stream";
import type { ChatView, ViewHandlers, WaitIndicator } from "./chat-view.js";
import { formatElapsed, stripControls, type TerminalStyle, visibleWidth } from "./render.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

type Output = Writable & { columns?: number };

/**
 * At a terminal. readline is the line editor (keys, history, Ctrl+C, Ctrl+D) and this view draws:
 * readline writes into a sink, and after every key the view draws the prompt block itself —
 * the prompt (or, while waiting, the spinner with the elapsed time) and what is typed, from
 * readline's public `line` and `getCursorPos()`. Because the view knows exactly which rows the
 * block takes, output goes above it and the block is drawn again below, with what was typed
 * still there and editable; nothing relies on readline's own idea of the screen (which a paste
 * that wraps leaves out of date).
 */
export class TtyView implements ChatView {
  readonly tty = true;
  readonly #input: Readable;
  readonly #output: Output;
  readonly #style: TerminalStyle;
  #rl: Interface | undefined;
  /** What belongs under the output: nothing (a turn is running), the prompt, or the spinner. */
  #mode: "none" | "prompt" | "wait" = "none";
  /** Who the prompt asks for: "you" for a request, else what the REPL is asking (e.g. "approve"). */
  #label = "you";
  /** The block on screen: the cursor's row within it, and its height. */
  #block: { cursorRow: number; rows: number } | undefined;
  #drawn = "";
  #atLineStart = true;
  #wait: WaitIndicator | undefined;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #renderQueued = false;
  #closed = false;

  constructor(input: Readable, output: Output, style: TerminalStyle) {
    this.#input = input;
    this.#output = output;
    this.#style = style;
  }

  get columns(): number {
    const columns = this.#output.columns;
    return columns && columns > 0 ? columns : 80;
  }

  listen(handlers: ViewHandlers): void {
    // readline edits the line; what it would draw goes nowhere (it only needs the width).
    const sink = Object.defineProperty(
      new Writable({ write: (_chunk, _encoding, done) => done() }),
      "columns",
      {
        get: () => this.columns,
      },
    );
    const rl = createInterface({ input: this.#input, output: sink, terminal: true, historySize: 200 });
    this.#rl = rl;
    rl.on("line", (raw) => this.#onLine(raw, handlers));
    rl.on("close", handlers.close);
    rl.on("SIGINT", handlers.interrupt);
    // After readline has handled a key (its listener runs first), show the line as it now is.
    this.#input.on("keypress", () => this.#queueRender());
    this.#output.on("resize", () => this.#queueRender());
  }

  print(line: string): void {
    this.#erase();
    this.endLine();
    this.#out(`${line}\n`);
    this.#render();
  }

  write(text: string): void {
    if (text.length === 0) return;
    this.#erase();
    this.#out(text);
  }

  endLine(): void {
    // A drawn block starts on a line of its own; a newline here would leave it in the output.
    if (!this.#atLineStart && !this.#block) this.#out("\n");
  }

  prompt(label = "you"): void {
    if (this.#closed || this.#mode === "wait") return;
    this.#mode = "prompt";
    this.#label = label;
    this.#render();
  }

  hidePrompt(): void {
    if (this.#closed || this.#mode !== "prompt") return;
    this.#mode = "none";
    this.#render();
  }

  setWaiting(wait: WaitIndicator | undefined): void {
    if (this.#closed) return;
    this.#wait = wait;
    if (wait) {
      this.#mode = "wait";
      this.#frame = 0;
      this.#timer ??= setInterval(() => {
        this.#frame += 1;
        this.#render();
      }, FRAME_MS);
      this.#timer.unref();
    } else {
      clearInterval(this.#timer);
      this.#timer = undefined;
      if (this.#mode === "wait") this.#mode = "none";
    }
    this.#render();
  }

  status(text: string | undefined): void {
    if (this.#closed || this.#mode !== "none") return;
    cursorTo(this.#output, 0);
    clearLine(this.#output, 0);
    this.#atLineStart = true;
    if (text) this.#out(this.#style.colors.dim(text));
  }

  typed(): string {
    return this.#rl?.line ?? "";
  }

  clearTyped(): void {
    this.#rl?.write(null, { ctrl: true, name: "e" });
    this.#rl?.write(null, { ctrl: true, name: "u" });
    this.#render();
  }

  close(): void {
    if (this.#closed) return;
    this.setWaiting(undefined);
    this.#mode = "none";
    this.#render();
    this.#closed = true;
    this.#rl?.close();
  }

  // ---- drawing ---------------------------------------------------------------------------

  #onLine(raw: string, handlers: ViewHandlers): void {
    this.#erase();
    if (this.#mode === "prompt") {
      // The echo of what was sent, drawn from the line itself: when keys and Enter arrive in one
      // burst (a paste), the block on screen predates them, as its redraw waits for the burst's end.
      this.endLine();
      this.#out(`${this.#userPrompt()}${stripControls(raw)}\n`);
      this.#mode = "none";
    }
    // Otherwise typed at the spinner (or while busy): the controller echoes it, or holds it.
    handlers.line(raw);
    this.#render();
  }

  #queueRender(): void {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    // One draw for a burst of keys (a paste delivers many at once).
    setImmediate(() => {
      this.#renderQueued = false;
      this.#render();
    });
  }

  /** Draws the block the mode asks for, in place of the one on screen. */
  #render(): void {
    const rl = this.#rl;
    if (!rl || this.#closed) return;
    this.#erase();
    if (this.#mode === "none") return;
    this.endLine();
    this.#drawn = this.#wait && this.#mode === "wait" ? this.#waitPrompt(this.#wait) : this.#userPrompt();
    // readline measures the cursor against its prompt: keep it the text drawn.
    rl.setPrompt(this.#drawn);
    const text = this.#drawn + rl.line;
    const width = visibleWidth(text);
    const columns = this.columns;
    this.#output.write(text);
    // At the exact end of a row the terminal waits to wrap: make it allocate the next row now.
    if (width > 0 && width % columns === 0) this.#output.write(" \r");
    const lastRow = Math.floor(width / columns);
    const cursor = rl.getCursorPos();
    cursorTo(this.#output, cursor.cols);
    if (lastRow > cursor.rows) moveCursor(this.#output, 0, cursor.rows - lastRow);
    this.#block = { cursorRow: cursor.rows, rows: lastRow + 1 };
    this.#atLineStart = false;
  }

  /**
   * Removes the block from the screen, leaving the cursor where it started. A single row is
   * erased with EL rather than ED, which tmux and some terminals turn into scrollback when the
   * cursor is at the top of the screen.
   */
  #erase(): void {
    const block = this.#block;
    if (!block) return;
    if (block.cursorRow > 0) moveCursor(this.#output, 0, -block.cursorRow);
    cursorTo(this.#output, 0);
    if (block.rows > 1) clearScreenDown(this.#output);
    else clearLine(this.#output, 0);
    this.#block = undefined;
    this.#atLineStart = true;
  }

  #waitPrompt(wait: WaitIndicator): string {
    const { colors } = this.#style;
    const frame = FRAMES[this.#frame % FRAMES.length] ?? "";
    const elapsed = formatElapsed(Date.now() - wait.since);
    return `${colors.cyan(frame)} Waiting for you to connect ${wait.names}… ${elapsed} ${colors.dim("(Ctrl+C or /cancel to cancel)")} ${colors.bold(colors.green("›"))} `;
  }

  #userPrompt(): string {
    return this.#style.colors.bold(this.#style.colors.green(`${this.#label} › `));
  }

  #out(text: string): void {
    this.#output.write(text);
    this.#atLineStart = text.endsWith("\n");
  }
}
