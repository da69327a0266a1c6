import type { AgentRuntime, ThreadView } from "../../index.js";
import { goodbyeLines, stillWaitingLines } from "./banner.js";
import { ChatSession, type ChatSessionOptions } from "./chat-session.js";
import type { ChatView, ViewHandlers } from "./chat-view.js";
import { COMMANDS, findCommand, type SlashCommand } from "./commands.js";
import { EventRenderer } from "./event-renderer.js";
import { argsOf, commandFacts, HeldLines } from "./held-lines.js";
import { type InputLine, readInputLine, tooLongMessage } from "./input-line.js";
import { oneLine, type TerminalStyle } from "./render.js";
import {
  approvalLineAction,
  exitCode,
  interruptAction,
  lineDisposition,
  type ReplEvent,
  type ReplState,
  transition,
} from "./repl-state.js";
import { recheck, type ThreadListener } from "./thread-listener.js";
import { TurnFollower } from "./turn-follower.js";

export interface ChatControllerOptions extends ChatSessionOptions {
  /** How long a turn waits for a connection, for the timeout message. */
  authTimeoutMs?: number;
  commands?: readonly SlashCommand[];
  /** `--yes`: approve every call the approval policy would ask about. */
  approveAll?: boolean;
}

/**
 * The REPL's behaviour: input, turns, waits, commands and leaving, driven by the state machine in
 * `repl-state.ts`. Every turn goes through the shared runtime, whose watcher resumes a waiting
 * thread by itself as soon as the account is connected; this only shows it and keeps the order.
 */
export class ChatController {
  /** Resolves once the REPL has closed. */
  readonly finished: Promise<void>;
  readonly #options: ChatControllerOptions;
  readonly #view: ChatView;
  readonly #style: TerminalStyle;
  readonly #runtime: AgentRuntime;
  readonly #session: ChatSession;
  readonly #renderer: EventRenderer;
  readonly #turns: TurnFollower;
  readonly #commands: readonly SlashCommand[];
  #state: ReplState = "idle";
  readonly #held: HeldLines;
  #failures = 0;
  #interrupted = false;
  #inputClosed = false;
  #lastInterrupt = 0;
  #done: () => void = () => {};

  constructor(options: ChatControllerOptions) {
    const controller = this;
    this.#options = options;
    this.#view = options.view;
    this.#style = options.style;
    this.#runtime = options.runtime;
    this.#commands = options.commands ?? COMMANDS;
    this.#session = new ChatSession(options, {
      cancelWait: () => this.cancelWait(),
      exit: () => this.exit(),
      awaited: (connector) => this.#turns.awaits(connector),
    });
    this.#renderer = new EventRenderer({
      style: options.style,
      columns: () => options.view.columns,
      ...(options.authTimeoutMs ? { authTimeoutMs: options.authTimeoutMs } : {}),
      connectHint: !options.autoApprove,
    });
    this.#turns = new TurnFollower(
      {
        runtime: this.#runtime,
        view: this.#view,
        style: this.#style,
        session: this.#session,
        renderer: this.#renderer,
        ...(options.approveAll ? { approveAll: true } : {}),
      },
      {
        get state() {
          return controller.#state;
        },
        move: (event) => this.#move(event),
        failed: (error) => {
          if (error === undefined) this.#failures += 1;
          else this.#error(error);
        },
        ended: () => this.#afterBusy(),
        takeHeldCancel: () => this.#held.takeCancel(),
        runHeldCommands: () => this.#held.runCommands(),
        echo: (text) => this.#echo(text),
        asked: () => void this.#held.answer(),
        exit: () => this.exit(),
      },
    );
    this.#held = new HeldLines({
      tty: this.#view.tty,
      style: this.#style,
      turns: this.#turns,
      state: () => this.#state,
      inputClosed: () => this.#inputClosed,
      commandOf: (input) => this.#commandOf(input),
      echo: (text) => this.#echo(text),
      print: (line) => this.#print(line),
      execute: (command, args) => this.#execute(command, args),
      exit: () => this.exit(),
    });
    this.finished = new Promise((resolve) => {
      this.#done = resolve;
    });
  }

  get state(): ReplState {
    return this.#state;
  }

  get threadId(): string {
    return this.#session.threadId;
  }

  /** What the slash commands work with (tests read its links). */
  get session(): ChatSession {
    return this.#session;
  }

  get exitCode(): number {
    return exitCode({ tty: this.#view.tty, failures: this.#failures, interrupted: this.#interrupted });
  }

  readonly handlers: ViewHandlers = {
    line: (raw) => this.#onLine(raw),
    interrupt: () => this.interrupt(),
    close: () => this.#onInputClosed(),
  };

  /** Starts on the thread as stored: a thread left waiting shows a fresh link and waits again. */
  start(thread: ThreadView | undefined, listener: ThreadListener): void {
    if (thread) this.#renderer.rememberCalls(thread.messages);
    const pending = thread?.pendingAuthorization;
    if (!thread || !pending) {
      listener.stop();
      this.#view.prompt();
      return;
    }
    this.#renderer.rememberRequests(pending.requests);
    for (const line of stillWaitingLines(this.#style, thread, pending)) this.#print(line);
    this.#move("turn-started");
    this.#turns.follow(listener.events);
    void recheck(this.#runtime, this.#session.ref).then((outcome) => {
      if (outcome === "done" || outcome === "busy") return;
      // Nothing more will come: the thread is not waiting, or the recheck failed.
      listener.stop();
      if (outcome !== "gone") this.#error(outcome.failed);
    });
  }

  /** Ctrl+C at a terminal, SIGINT without one. */
  interrupt(): void {
    if (this.#state === "closed") return;
    const tty = this.#view.tty;
    if (!tty) this.#interrupted = true;
    const now = Date.now();
    const typed = this.#view.typed().length > 0;
    const action = interruptAction(this.#state, {
      tty,
      typed,
      secondPress: now - this.#lastInterrupt < 2000,
    });
    switch (action) {
      case "cancel-wait":
        if (typed) this.#view.clearTyped();
        this.cancelWait();
        return;
      case "clear-input":
        this.#view.clearTyped();
        return;
      case "warn":
        this.#lastInterrupt = now;
        this.#print(this.#style.colors.dim("(press Ctrl+C again, Ctrl+D or type /exit to quit)"));
        if (this.#state === "idle") this.#view.prompt();
        return;
      case "exit":
        this.exit();
    }
  }

  cancelWait(): void {
    this.#turns.cancel();
  }

  exit(): void {
    if (this.#state === "closed") return;
    const stillWaiting =
      this.#state === "waiting" || this.#state === "approving" ? this.#turns.waitingFor : undefined;
    const threadId = this.#session.threadId;
    const asking = this.#state === "approving";
    // Lines held for after the turn will not run now: say which, rather than drop them unseen.
    const unrun = this.#held.drain();
    this.#move("exit");
    this.#session.close();
    this.#view.close();
    if (unrun.length > 0) {
      const listed = unrun.map((text) => `"${oneLine(text, 60)}"`).join(", ");
      this.#print(this.#style.colors.dim(`(not run, as the session ended first: ${listed})`));
    }
    const userId = this.#session.identity.userId;
    for (const line of goodbyeLines(this.#style, { userId, threadId, stillWaiting, asking }))
      this.#print(line);
    this.#done();
  }

  #print(line: string): void {
    this.#view.print(line);
  }

  // ---- input -----------------------------------------------------------------------------

  #onLine(raw: string): void {
    if (this.#state === "closed") return;
    const input = readInputLine(raw);
    if (input.kind !== "text") {
      if (input.kind === "too-long") this.#print(this.#style.colors.red(tooLongMessage(input.bytes)));
      // Enter alone answers an approval too: an edited field keeps its value, a question asks again.
      if (input.kind === "empty" && this.#state === "approving") this.#turns.answer("");
      else if (this.#state === "idle") this.#view.prompt();
      return;
    }
    const command = this.#commandOf(input);
    const disposition = lineDisposition(this.#state, {
      tty: this.#view.tty,
      // A held command still running counts: a piped /exit waits for its output.
      held: this.#held.ahead,
      // An unknown command is held like a message while busy, and answered when its turn comes.
      ...(input.command ? { command: command ?? { allowedWhileWaiting: false } } : {}),
    });
    switch (disposition) {
      case "send":
      case "run":
        // At a terminal, readline has echoed what was typed at the prompt.
        if (!this.#view.tty) this.#echo(input.text);
        this.#begin(input.text);
        return;
      case "run-alongside":
        this.#echo(input.text);
        if (command) void this.#execute(command, argsOf(input));
        return;
      case "exit-now":
        // At an approval the terminal's prompt has echoed it.
        if (this.#state !== "approving") this.#echo(input.text);
        this.exit();
        return;
      case "hold":
        this.#held.hold(input.text);
        return;
      case "answer":
        this.#held.push(input.text);
        if (this.#view.tty && approvalLineAction(commandFacts(input, command)) === "keep") {
          this.#print(
            this.#style.colors.dim(`(held: "${oneLine(input.text, 60)}" runs once this request is done)`),
          );
          this.#turns.askAgain();
        }
        void this.#held.answer();
        return;
      case "ignore":
        return;
    }
  }

  #echo(text: string): void {
    this.#print(this.#view.tty ? this.#style.colors.dim(`you › ${text}`) : `you › ${text}`);
  }

  #onInputClosed(): void {
    this.#inputClosed = true;
    // At a terminal Ctrl+D leaves now: a pending authorization stays with the thread for later.
    // With piped input, the end of input lets the current turn (and any wait) and held lines finish.
    // Calls awaiting a decision cannot be answered any more: without a terminal they are rejected
    // (and the turn finishes); at a terminal the thread keeps the question for next time.
    if (this.#state === "approving" && !this.#view.tty) {
      void this.#held.answer();
      return;
    }
    if (this.#state === "idle" || this.#state === "approving" || this.#view.tty) this.exit();
  }

  /** A message or a command, from the prompt or from the held lines. */
  #begin(text: string): void {
    if (!text.startsWith("/")) {
      this.#move("turn-started");
      this.#turns.follow(this.#runtime.send({ ...this.#session.ref, text }));
      return;
    }
    const [name = "", ...args] = text.slice(1).split(/\s+/);
    const command = findCommand(name.toLowerCase(), this.#commands);
    if (!command) {
      this.#print(`Unknown command /${name}. Type /help for the list.`);
      this.#next();
      return;
    }
    this.#move("command-started");
    void this.#execute(command, args).finally(() => this.#afterBusy());
  }

  async #execute(command: SlashCommand, args: readonly string[]): Promise<void> {
    try {
      await command.run(this.#session, args);
    } catch (error) {
      this.#error(error);
    }
  }

  #afterBusy(): void {
    if (this.#state === "closed") return;
    this.#move(this.#state === "command" ? "command-finished" : "turn-ended");
    this.#turns.reset();
    this.#next();
  }

  /** Idle again: the next held line, else leave if the input has ended, else the prompt. */
  #next(): void {
    if (this.#state !== "idle") return;
    const next = this.#held.shift();
    if (next !== undefined) {
      this.#echo(next);
      this.#begin(next);
    } else if (this.#inputClosed) {
      this.exit();
    } else {
      this.#view.prompt();
    }
  }

  /** The command a line names, when it is a slash command this REPL has. */
  #commandOf(input: InputLine): SlashCommand | undefined {
    return input.kind === "text" && input.command
      ? findCommand(input.command.name, this.#commands)
      : undefined;
  }

  #move(event: ReplEvent): void {
    const next = transition(this.#state, event);
    if (next === undefined) {
      this.#options.logger?.warn({ state: this.#state, event }, "chat: ignored an unexpected transition");
      return;
    }
    this.#state = next;
  }

  #error(error: unknown): void {
    this.#failures += 1;
    if (this.#state !== "closed") this.#session.reportError(error);
  }
}
