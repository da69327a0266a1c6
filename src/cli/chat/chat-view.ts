import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";

/** What the person does at the view: a line, Ctrl+C, the end of input. */
export interface ViewHandlers {
  line(raw: string): void;
  interrupt(): void;
  close(): void;
}

/** A wait for a connection, as the view shows it (a spinner with the elapsed time at a terminal). */
export interface WaitIndicator {
  names: string;
  since: number;
}

/**
 * The REPL's terminal: it owns readline, the prompt and the waiting indicator, and writes output
 * above the prompt. The controller decides what to show; the view decides how.
 */
export interface ChatView {
  /** A person at a terminal: prompt, spinner, colour, line editing. */
  readonly tty: boolean;
  /** The terminal's width (0 without a terminal). */
  readonly columns: number;
  listen(handlers: ViewHandlers): void;
  /** One whole line; on a terminal the prompt or indicator is drawn again below it. */
  print(line: string): void;
  /** Streamed text (part of a line). */
  write(text: string): void;
  /** Ends the current line if text was streamed into it. */
  endLine(): void;
  /**
   * Shows the prompt (a terminal only): for a new request, or labelled with what the REPL asks
   * for instead (e.g. "approve"), so an answer does not look like a request.
   */
  prompt(label?: string): void;
  /** Removes the prompt (e.g. an `approve ›` whose question was cancelled) until the next `prompt`. */
  hidePrompt(): void;
  /** Shows (or, with undefined, removes) the waiting indicator. */
  setWaiting(wait: WaitIndicator | undefined): void;
  /**
   * A transient line, e.g. "Connecting to …" before the banner: shown until replaced or removed
   * (undefined). Only a terminal shows it; piped output stays free of it.
   */
  status(text: string | undefined): void;
  /** What the person has typed on the prompt line so far. */
  typed(): string;
  clearTyped(): void;
  /** Stops input and the indicator; lines printed afterwards are plain. */
  close(): void;
}

/**
 * Without a terminal (piped input or output): no prompt, no spinner, no line editing; every line
 * is plain, so scripts can read it. SIGINT reaches the REPL from the process (see chat-command).
 */
export class PlainView implements ChatView {
  readonly tty = false;
  readonly columns = 0;
  readonly #input: Readable;
  readonly #output: Writable;
  #rl: Interface | undefined;
  #atLineStart = true;

  constructor(input: Readable, output: Writable) {
    this.#input = input;
    this.#output = output;
  }

  listen(handlers: ViewHandlers): void {
    this.#rl = createInterface({ input: this.#input, terminal: false });
    this.#rl.on("line", handlers.line);
    this.#rl.on("close", handlers.close);
  }

  print(line: string): void {
    this.endLine();
    this.write(`${line}\n`);
  }

  write(text: string): void {
    if (text.length === 0) return;
    this.#output.write(text);
    this.#atLineStart = text.endsWith("\n");
  }

  endLine(): void {
    if (!this.#atLineStart) this.write("\n");
  }

  prompt(): void {}

  hidePrompt(): void {}

  setWaiting(wait: WaitIndicator | undefined): void {
    if (wait) this.print(`Waiting for you to connect ${wait.names}… (send /cancel or Ctrl+C to cancel)`);
  }

  status(): void {}

  typed(): string {
    return "";
  }

  clearTyped(): void {}

  close(): void {
    this.#rl?.close();
    // A paused pipe still holds the event loop: after /exit, a writer that keeps its end open
    // (a program driving the chat) must not keep Delegate running.
    (this.#input as Readable & { unref?: () => void }).unref?.();
  }
}
