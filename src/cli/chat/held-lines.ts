import type { SlashCommand } from "./commands.js";
import { type InputLine, readInputLine } from "./input-line.js";
import { oneLine, type TerminalStyle } from "./render.js";
import { approvalLineAction, type ReplState } from "./repl-state.js";
import type { TurnFollower } from "./turn-follower.js";

/** What the held lines need of the REPL around them. */
export interface HeldLinesHost {
  readonly tty: boolean;
  readonly style: TerminalStyle;
  readonly turns: Pick<TurnFollower, "answer" | "askAgain" | "rejectUnanswered" | "waitingFor">;
  state(): ReplState;
  inputClosed(): boolean;
  commandOf(input: InputLine): SlashCommand | undefined;
  echo(text: string): void;
  print(line: string): void;
  execute(command: SlashCommand, args: readonly string[]): Promise<void>;
  exit(): void;
}

/**
 * Lines read while the REPL was busy (a turn running, waiting for a connection, or asking for a
 * decision), kept in the order they came: one request at a time, so a line never overtakes the
 * turn before it. They run once the turn ends, except commands that may run while waiting, and
 * answers to an approval question.
 */
export class HeldLines {
  readonly #host: HeldLinesHost;
  #lines: string[] = [];
  /** Held lines are answering an approval (see `answer`). */
  #answering = false;
  /** Held commands are being run (see `runCommands`). */
  #runningCommands = false;

  constructor(host: HeldLinesHost) {
    this.#host = host;
  }

  /** How many lines are ahead of a new one: a held command still running counts. */
  get ahead(): number {
    return this.#lines.length + (this.#runningCommands ? 1 : 0);
  }

  push(text: string): void {
    this.#lines.push(text);
  }

  shift(): string | undefined {
    return this.#lines.shift();
  }

  /** Every held line, taken: they will not run (the session is ending). */
  drain(): string[] {
    return this.#lines.splice(0);
  }

  /** Holds a line typed while busy, and says so where it is not obvious. */
  hold(text: string): void {
    this.#lines.push(text);
    const { tty, style, turns } = this.#host;
    const { dim } = style.colors;
    const waitingFor = turns.waitingFor;
    if (this.#host.state() === "waiting" && waitingFor) {
      this.#host.print(
        dim(
          `(held until ${waitingFor} is connected or you /cancel — one request at a time: "${oneLine(text, 60)}")`,
        ),
      );
    } else if (tty) {
      this.#host.print(dim(`(queued: "${oneLine(text, 60)}" — it will be sent when this answer finishes)`));
    }
  }

  /** Takes a held /cancel, echoed, when there is one: the wait it meant is ending. */
  takeCancel(): boolean {
    const at = this.#lines.indexOf("/cancel");
    if (at >= 0) this.#host.echo(this.#lines.splice(at, 1)[0] as string);
    return at >= 0;
  }

  /**
   * Piped lines read while the turn ran are held; once it waits, the commands at the front that
   * run while waiting (/help, /thread, /connections, /exit…) run, in order, as typed ones would.
   * Each finishes before the next starts, so an /exit behind /connections leaves after its output.
   */
  runCommands(): void {
    if (this.#runningCommands) return;
    this.#runningCommands = true;
    void (async () => {
      try {
        while (this.#host.state() === "waiting") {
          const input = readInputLine(this.#lines[0] ?? "");
          const command = this.#host.commandOf(input);
          if (!command?.allowedWhileWaiting) return;
          this.#host.echo(this.#lines.shift() as string);
          await this.#host.execute(command, argsOf(input));
        }
      } finally {
        this.#runningCommands = false;
      }
    })();
  }

  /**
   * While calls await a decision, the lines read (typed, or piped before or after the question)
   * in order: an answer answers; a command that runs while waiting runs, then the question is
   * asked again; /exit leaves it pending; other commands stay held for when the turn ends.
   * Without a terminal, once the input has ended and no line can answer, the calls are rejected.
   */
  async answer(): Promise<void> {
    if (this.#answering) return;
    this.#answering = true;
    const host = this.#host;
    try {
      let at = 0;
      while (host.state() === "approving" && at < this.#lines.length) {
        const text = this.#lines[at] as string;
        const input = readInputLine(text);
        const command = host.commandOf(input);
        const action = approvalLineAction(commandFacts(input, command));
        if (action === "keep") {
          at += 1;
          continue;
        }
        this.#lines.splice(at, 1);
        if (action === "answer") {
          host.turns.answer(text);
          continue;
        }
        // At a terminal the `approve ›` prompt has echoed it.
        if (!host.tty) host.echo(text);
        if (action === "exit" || !command) {
          host.exit();
          return;
        }
        await host.execute(command, argsOf(input));
        host.turns.askAgain();
      }
      if (host.state() === "approving" && host.inputClosed() && !host.tty) host.turns.rejectUnanswered();
    } finally {
      this.#answering = false;
    }
  }
}

export function argsOf(input: InputLine): readonly string[] {
  return input.kind === "text" ? (input.command?.args ?? []) : [];
}

/** A line's command as the state machine sees it: an unknown one is allowed nothing. */
export function commandFacts(input: InputLine, command: SlashCommand | undefined) {
  if (input.kind !== "text" || !input.command) return undefined;
  return command ?? { allowedWhileWaiting: false };
}
