import {
  clearLine,
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { AuthorizationRequest } from "../../agent/authorization-request.js";
import { type Identity, IdentitySchema, scalekitIdentifier } from "../../auth/identity.js";
import { CONNECTOR_IDS, CONNECTORS, type ConnectorId, isConnectorId } from "../../connectors/registry.js";
import { DelegateError, errorMessage, isDelegateError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { AgentRuntime, ConnectionOverview, ThreadView } from "../../runtime/agent-runtime.js";
import { EventChannel } from "../../runtime/event-channel.js";
import type { RuntimeEvent } from "../../runtime/events.js";
import type { Sandbox } from "../../sandbox/index.js";
import {
  authorizationLines,
  describeCall,
  formatDuration,
  formatElapsed,
  formatTime,
  joinNames,
  link,
  oneLine,
  stripControls,
  type TerminalStyle,
  visibleWidth,
} from "./render.js";
import { newThreadId } from "./thread-state.js";

export interface ChatReplOptions {
  runtime: AgentRuntime;
  sandbox?: Sandbox;
  identity: Identity;
  threadId: string;
  input: Readable;
  output: Writable & { isTTY?: boolean; columns?: number };
  style: TerminalStyle;
  modeLabel: string;
  /** Shown in the banner: where threads and the log live. */
  dataDir?: string;
  /** Complete consent by itself (sandbox only; the caller checks). */
  autoApprove: boolean;
  /** Open authorization links in the browser as soon as they are shown (`--open`). */
  autoOpen?: boolean;
  /** Opens a URL in the browser (best effort); undefined when there is no terminal. */
  openUrl?: (url: string) => Promise<void>;
  /** How long a turn waits for a connection, for the timeout message. */
  authTimeoutMs?: number;
  /** Example requests the (offline) model understands, shown in the banner and /help. */
  examples?: readonly string[];
  /** Extra lines shown under the banner (e.g. why --open is ignored). */
  notes?: readonly string[];
  /** Called when the thread changes (`/new`, `/user`), to remember it. */
  onThread?: (identity: Identity, threadId: string) => void;
  /** Where unexpected failures are recorded (with details the terminal does not show). */
  logger?: Logger;
  logPath?: string;
}

/** Commands that run while a turn waits for a connection (everything else is held). */
const WHILE_WAITING = new Set(["cancel", "open", "help", "connections", "connect", "thread", "exit", "quit"]);

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function helpText(examples: readonly string[]): string {
  const lines = [
    "Commands:",
    "  /help                    this help",
    "  /connections             every connector's status, with a link for each that is not connected",
    `  /connect <connector>     get a link to connect a connector (${CONNECTOR_IDS.join(", ")})`,
    "  /disconnect <connector>  remove your connection to a connector",
    "  /user [ID]               show the user, or switch to another user (on a new thread)",
    "  /new                     start a new thread",
    "  /thread                  show the thread id (continue it later with --thread ID)",
    "  /cancel                  while waiting for a connection: stop waiting (or Ctrl+C)",
    "  /open                    open the last authorization link(s) in your browser",
    "  /exit                    quit (or Ctrl+D)",
    "While Delegate waits for a connection, other messages are held and sent when the wait ends.",
  ];
  if (examples.length > 0) {
    lines.push("The offline demo model understands requests such as:");
    for (const example of examples) lines.push(`  ${example}`);
  }
  return lines.join("\n");
}

interface Waiting {
  requests: AuthorizationRequest[];
  names: string;
  /** The spinner (TTY) is running. */
  indicator: boolean;
  cancelling: boolean;
}

/**
 * The chat loop. It owns only terminal concerns: every turn goes through the shared runtime,
 * whose watcher resumes a waiting thread by itself as soon as the account is connected.
 *
 * On a terminal, the "waiting" spinner is readline's prompt, so what a person types while
 * Delegate waits stays visible and editable under the link instead of being overwritten.
 */
export class ChatRepl {
  readonly #options: ChatReplOptions;
  readonly #style: TerminalStyle;
  #identity: Identity;
  #threadId: string;
  #rl: Interface | undefined;
  #turn: Promise<void> | undefined;
  #waiting: Waiting | undefined;
  /** When the current turn started waiting (kept across re-raised requests of one turn). */
  #waitSince: number | undefined;
  #held: string[] = [];
  #spinnerTimer: NodeJS.Timeout | undefined;
  #frame = 0;
  #promptShown = false;
  #promptText = "";
  #inputClosed = false;
  #exiting = false;
  #exitCode = 0;
  #failures = 0;
  #lastInterrupt = 0;
  #streamed = false;
  #atLineStart = true;
  #lastLinks: string[] = [];
  /** Connection name → display name, from every request seen. */
  #displayNames = new Map<string, string>();
  #calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  #done: (() => void) | undefined;

  constructor(options: ChatReplOptions) {
    this.#options = options;
    this.#style = options.style;
    this.#identity = options.identity;
    this.#threadId = options.threadId;
  }

  get threadId(): string {
    return this.#threadId;
  }

  get exiting(): boolean {
    return this.#exiting;
  }

  /**
   * Runs until /exit, Ctrl+D or end of input. Resolves to the exit code: 0, 130 after an
   * interrupt without a terminal, or 1 when a turn failed in non-interactive mode.
   * Throws (before printing anything) when Scalekit cannot be reached or the thread is not
   * this user's.
   */
  async run(): Promise<number> {
    const finished = new Promise<void>((resolve) => {
      this.#done = resolve;
    });
    // Listen before anything can resume this thread (the runtime's watcher is already running).
    const earlier = this.#listen();
    let view: ThreadView | undefined;
    const checking = this.#style.tty ? `Connecting to ${this.#options.modeLabel}…` : "";
    if (checking) this.#options.output.write(this.#style.colors.dim(checking));
    try {
      // One status look-up up front: an unreachable Scalekit or wrong credentials end here
      // with one line, rather than in the middle of the first request.
      await this.#options.runtime.listConnections(this.#identity);
      view = await this.#threadView();
    } catch (error) {
      earlier.end();
      throw error;
    } finally {
      if (checking) this.#clearRows(0);
    }
    const rl = createInterface({
      input: this.#options.input,
      output: this.#options.output,
      terminal: this.#style.tty,
      historySize: 200,
    });
    this.#rl = rl;
    this.#promptText = this.#userPrompt();
    rl.setPrompt(this.#promptText);
    rl.on("line", (line) => this.#onLine(line));
    rl.on("close", () => this.#onInputClosed());
    rl.on("SIGINT", () => this.#onInterrupt());
    this.#banner(view);
    for (const note of this.#options.notes ?? []) this.#print(this.#style.colors.dim(note));
    this.#continueThread(view, earlier);
    if (!this.#turn) this.#prompt();
    await finished;
    if (this.#exitCode !== 0) return this.#exitCode;
    return this.#failures > 0 && !this.#style.tty ? 1 : 0;
  }

  /** Ctrl+C from outside readline (a signal, e.g. without a TTY). */
  interrupt(): void {
    this.#onInterrupt();
  }

  // ---- input -----------------------------------------------------------------------------

  #onLine(raw: string): void {
    if (this.#exiting) return;
    const line = raw.trim();
    if (this.#style.tty) this.#promptShown = false;
    if (this.#turn) {
      this.#lineDuringTurn(raw, line);
      return;
    }
    // Piped input is not echoed by a terminal; show what is being sent.
    if (!this.#style.tty && line) this.#print(`you › ${line}`);
    if (!line) {
      this.#prompt();
      return;
    }
    this.#dispatch(line);
  }

  #lineDuringTurn(raw: string, line: string): void {
    const waiting = this.#waiting;
    const { colors } = this.#style;
    // On a terminal, replace the row readline left behind (spinner + typed text) with a clean echo.
    if (this.#style.tty && waiting?.indicator) this.#eraseEchoedLine(raw);
    if (!line) {
      this.#redrawPrompt();
      return;
    }
    const command = line.startsWith("/") ? (line.slice(1).split(/\s+/)[0] ?? "") : undefined;
    // At a terminal /exit leaves at once; piped input is handled in order, so it waits its turn.
    if ((command === "exit" || command === "quit") && this.#style.tty) {
      this.#print(this.#style.tty ? colors.dim(`you › ${line}`) : `you › ${line}`);
      this.#exit();
      return;
    }
    // Piped: an /exit behind held lines waits for them.
    const exitLater = (command === "exit" || command === "quit") && this.#held.length > 0;
    if (waiting && command !== undefined && WHILE_WAITING.has(command) && !exitLater) {
      this.#print(this.#style.tty ? colors.dim(`you › ${line}`) : `you › ${line}`);
      if (command === "cancel") this.#cancelWait();
      else void this.#slash(line);
      return;
    }
    this.#held.push(line);
    if (waiting) {
      this.#print(
        colors.dim(
          `(held until ${waiting.names} is connected or you /cancel — one request at a time: "${oneLine(line, 60)}")`,
        ),
      );
    } else if (this.#style.tty) {
      this.#print(colors.dim("(queued; it will be sent when this answer finishes)"));
    }
  }

  #dispatch(line: string): void {
    if (line.startsWith("/")) this.#turn = this.#slash(line).finally(() => this.#afterTurn());
    else this.#startTurn(line);
  }

  #onInputClosed(): void {
    this.#inputClosed = true;
    if (this.#exiting) return;
    // At a terminal Ctrl+D leaves now: a pending authorization stays with the thread for later.
    // With piped input, the end of input lets the current turn (and any wait) and held lines finish.
    if (!this.#turn || this.#style.tty) this.#exit();
  }

  #onInterrupt(): void {
    if (this.#exiting) return;
    if (this.#waiting && !this.#waiting.cancelling) {
      if (this.#style.tty && this.#rl && this.#rl.line.length > 0) this.#clearInput();
      this.#cancelWait();
      return;
    }
    if (!this.#style.tty) {
      this.#exit(130);
      return;
    }
    if (!this.#turn && this.#rl && this.#rl.line.length > 0) {
      // Like a shell: Ctrl+C drops what was typed.
      this.#clearInput();
      return;
    }
    const now = Date.now();
    if (now - this.#lastInterrupt < 2000) {
      this.#exit();
      return;
    }
    this.#lastInterrupt = now;
    this.#print(this.#style.colors.dim("(press Ctrl+C again, Ctrl+D or type /exit to quit)"));
    if (!this.#turn) this.#prompt();
  }

  // ---- turns -----------------------------------------------------------------------------

  #startTurn(text: string): void {
    this.#waitSince = undefined;
    const events = this.#options.runtime.send({ ...this.#ref(), text });
    this.#turn = this.#consume(events).finally(() => this.#afterTurn());
  }

  #afterTurn(): void {
    this.#turn = undefined;
    this.#stopIndicator();
    this.#waiting = undefined;
    this.#waitSince = undefined;
    if (this.#exiting) return;
    const next = this.#held.shift();
    if (next !== undefined) {
      this.#print(this.#style.tty ? this.#style.colors.dim(`you › ${next}`) : `you › ${next}`);
      this.#dispatch(next);
      return;
    }
    if (this.#inputClosed) {
      this.#exit();
      return;
    }
    this.#prompt();
  }

  async #consume(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    try {
      for await (const event of events) this.#render(event);
    } catch (error) {
      this.#error(error);
    } finally {
      this.#stopIndicator();
      this.#waiting = undefined;
      if (!this.#exiting) this.#endLine();
    }
  }

  #render(event: RuntimeEvent): void {
    if (this.#exiting) return;
    const { colors } = this.#style;
    switch (event.type) {
      case "text-delta":
        this.#stopIndicator();
        this.#write(stripControls(event.text));
        this.#streamed = true;
        return;
      case "message":
        this.#stopIndicator();
        if (!this.#streamed) this.#write(stripControls(event.text));
        this.#endLine();
        this.#streamed = false;
        return;
      case "tool-call":
        this.#calls.set(event.toolCallId, { name: event.toolName, args: event.args });
        return;
      case "tool-result": {
        this.#stopIndicator();
        const call = this.#calls.get(event.toolCallId);
        const ok = event.status === "success";
        const mark = ok ? colors.green("✓") : colors.red("✗");
        const columns = this.#style.tty ? (this.#options.output.columns ?? 0) : 0;
        const [described, outcome] = fitToolLine(
          stripControls(describeCall(event.toolName || call?.name || "tool", call?.args)),
          stripControls(oneLine(event.summary, 140)),
          columns,
        );
        this.#print(
          `  ${mark} ${colors.dim(described)} ${colors.dim("→")} ${ok ? outcome : colors.red(outcome)}`,
        );
        return;
      }
      case "authorization-required":
        this.#stopIndicator();
        this.#onAuthorizationRequired(event.requests, event.message);
        return;
      case "authorization-completed": {
        this.#stopIndicator();
        const names = this.#namesOf(event.connections);
        this.#print(`${colors.green("✓")} ${names} connected`);
        this.#waiting = undefined;
        return;
      }
      case "authorization-expired": {
        this.#stopIndicator();
        const names = this.#namesOf(event.connections);
        const limit = this.#options.authTimeoutMs
          ? ` (the limit is ${formatDuration(this.#options.authTimeoutMs)})`
          : "";
        this.#print(
          colors.yellow(
            `Timed out: ${names} was not connected in time${limit}, so that part of the request was not done. This thread goes on — connect with /connect and ask again whenever you are ready.`,
          ),
        );
        this.#waiting = undefined;
        return;
      }
      case "authorization-cancelled":
        this.#stopIndicator();
        this.#print(colors.yellow(`Cancelled: no longer waiting for ${this.#namesOf(event.connections)}.`));
        this.#waiting = undefined;
        return;
      case "error":
        this.#stopIndicator();
        this.#failures += 1;
        this.#print(colors.red(`! ${event.message}`));
        // A resume that failed leaves the thread waiting; keep showing that.
        if (this.#waiting && !this.#waiting.cancelling) this.#startIndicator();
        return;
      case "turn-end":
        this.#endLine();
        this.#streamed = false;
        if (event.status === "failed") this.#failures += 1;
        return;
    }
  }

  #onAuthorizationRequired(requests: AuthorizationRequest[], message: string): void {
    const { colors } = this.#style;
    this.#waitSince ??= Date.now();
    for (const request of requests) this.#displayNames.set(request.connection, request.displayName);
    const names = joinNames(requests.map((request) => request.displayName));
    this.#waiting = { requests, names, indicator: false, cancelling: false };
    this.#lastLinks = requests.map((request) => request.url);
    this.#print(colors.yellow(message.replace(/\.$/, ":")));
    for (const line of authorizationLines(this.#style, requests)) this.#print(line);
    if (this.#options.autoApprove && this.#options.sandbox) {
      const sandbox = this.#options.sandbox;
      this.#print(colors.dim("(--auto-approve: completing consent in the sandbox)"));
      for (const request of requests) {
        void sandbox.scalekit
          .approve(scalekitIdentifier(this.#identity), request.connection)
          .catch((error: unknown) => {
            this.#print(colors.red(`! auto-approve failed: ${errorMessage(error)}`));
          });
      }
    } else if (this.#options.autoOpen) {
      void this.#openLinks(this.#lastLinks);
    }
    // A /cancel typed before the link appeared was meant for this wait.
    const cancelAt = this.#held.indexOf("/cancel");
    if (cancelAt >= 0) {
      this.#held.splice(cancelAt, 1);
      this.#cancelWait();
      return;
    }
    this.#startIndicator();
  }

  #cancelWait(): void {
    const waiting = this.#waiting;
    if (!waiting || waiting.cancelling) return;
    waiting.cancelling = true;
    this.#stopIndicator();
    this.#print(this.#style.colors.dim(`Cancelling the wait for ${waiting.names}…`));
    // The cancel run's events reach the turn already listening on this thread.
    void this.#drain(this.#options.runtime.cancel(this.#ref()));
  }

  /** On start: a thread left waiting (e.g. before a restart) shows its link again and waits. */
  #continueThread(view: ThreadView | undefined, listener: EventChannel<RuntimeEvent>): void {
    const { colors } = this.#style;
    const pending = view?.pendingAuthorization;
    if (!view || !pending) {
      listener.end();
      return;
    }
    for (const request of pending.requests) this.#displayNames.set(request.connection, request.displayName);
    const names = joinNames(pending.requests.map((request) => request.displayName));
    const asked = [...view.messages].reverse().find((message) => message.role === "user");
    this.#print(
      colors.yellow(
        `This thread is still waiting for you to connect ${names} (since ${formatTime(pending.createdAt)})${asked ? `, for: "${oneLine(asked.text, 80)}"` : ""}.`,
      ),
    );
    this.#print(colors.dim("Checking again and getting a fresh link…"));
    this.#turn = this.#consume(listener).finally(() => this.#afterTurn());
    void (async () => {
      try {
        // A recheck resumes at once if it was connected meanwhile, else re-raises with fresh links.
        for await (const _event of this.#options.runtime.resume(this.#ref())) {
          // Rendering happens in the listening turn.
        }
      } catch (error) {
        // Busy: the watcher is resuming it already; its events reach the listener.
        if (isDelegateError(error, "THREAD_BUSY")) return;
        listener.end();
        // Not waiting any more (finished or expired meanwhile): nothing to show.
        if (!isDelegateError(error, "THREAD_NOT_FOUND")) this.#error(error);
      }
    })();
  }

  async #threadView(): Promise<ThreadView | undefined> {
    try {
      const view = await this.#options.runtime.getThread(this.#ref());
      for (const message of view.messages) {
        for (const call of message.toolCalls ?? [])
          this.#calls.set(call.id, { name: call.name, args: call.args });
      }
      return view;
    } catch (error) {
      if (isDelegateError(error, "THREAD_NOT_FOUND")) return undefined;
      throw error;
    }
  }

  /** Events of this thread until its turn ends, whoever started the run. */
  #listen(): EventChannel<RuntimeEvent> {
    let unsubscribe = () => {};
    const channel = new EventChannel<RuntimeEvent>(() => unsubscribe());
    unsubscribe = this.#options.runtime.subscribe(this.#threadId, (event) => {
      channel.push(event);
      if (event.type === "turn-end") channel.end();
    });
    return channel;
  }

  async #drain(events: AsyncIterable<RuntimeEvent>): Promise<void> {
    try {
      for await (const _event of events) {
        // Rendering happens in the listening turn.
      }
    } catch (error) {
      // Busy or no longer waiting: the connection arrived at the same moment; that run goes on.
      if (!isDelegateError(error, "THREAD_BUSY") && !isDelegateError(error, "THREAD_NOT_FOUND"))
        this.#error(error);
    }
  }

  // ---- slash commands --------------------------------------------------------------------

  async #slash(line: string): Promise<void> {
    const [command = "", ...args] = line.slice(1).split(/\s+/);
    const { colors } = this.#style;
    const { runtime } = this.#options;
    try {
      switch (command) {
        case "help":
          this.#print(helpText(this.#options.examples ?? []));
          return;
        case "exit":
        case "quit":
          this.#exit();
          return;
        case "connections":
          await this.#connections();
          return;
        case "connect": {
          const connector = this.#connectorArg(args[0]);
          if (!connector) return;
          const name = CONNECTORS[connector].displayName;
          const result = await runtime.connect(this.#identity, connector);
          if (result.status === "ACTIVE") {
            this.#print(`${name} is already connected.`);
            return;
          }
          this.#lastLinks = [result.url];
          this.#print(`Open this link to connect ${name}:`);
          this.#print(this.#style.tty ? `  ${colors.cyan(link(this.#style, result.url))}` : result.url);
          if (this.#options.autoApprove && this.#options.sandbox) {
            const connection = this.#options.sandbox.connectionNames[connector];
            await this.#options.sandbox.scalekit.approve(scalekitIdentifier(this.#identity), connection);
            runtime.auth.invalidate(this.#identity, connection);
            this.#print(`${colors.green("✓")} ${name} connected (auto-approved in the sandbox)`);
          } else if (this.#options.autoOpen) {
            await this.#openLinks(this.#lastLinks);
          }
          return;
        }
        case "disconnect": {
          const connector = this.#connectorArg(args[0]);
          if (!connector) return;
          const name = CONNECTORS[connector].displayName;
          const status = (await runtime.listConnections(this.#identity)).find(
            (item) => item.connector === connector,
          )?.status;
          if (status === "NOT_FOUND") {
            this.#print(`${name} is not connected.`);
            return;
          }
          await runtime.disconnect(this.#identity, connector);
          this.#print(`Disconnected ${name}.`);
          return;
        }
        case "user": {
          const next = args.join(" ").trim();
          if (!next) {
            this.#print(
              `User: ${colors.bold(this.#identity.userId)} (Scalekit identifier "${scalekitIdentifier(this.#identity)}")`,
            );
            return;
          }
          if (!IdentitySchema.shape.userId.safeParse(next).success) {
            this.#print('A user id has 1–256 characters and no "/".');
            return;
          }
          this.#identity = { userId: next };
          this.#threadId = newThreadId();
          this.#options.onThread?.(this.#identity, this.#threadId);
          this.#refreshPrompt();
          this.#print(
            `Now acting as ${colors.bold(this.#identity.userId)} on a new thread ${colors.bold(this.#threadId)}.`,
          );
          return;
        }
        case "new":
          this.#threadId = newThreadId();
          this.#options.onThread?.(this.#identity, this.#threadId);
          this.#print(`New thread ${colors.bold(this.#threadId)}.`);
          return;
        case "thread":
          this.#print(
            `Thread ${colors.bold(this.#threadId)} — continue it later with: delegate chat --thread ${this.#threadId}`,
          );
          return;
        case "open":
          if (this.#lastLinks.length === 0) {
            this.#print("No authorization link has been shown yet. Use /connect <connector> to get one.");
            return;
          }
          await this.#openLinks(this.#lastLinks);
          return;
        case "cancel":
          this.#print("Nothing is waiting for a connection right now.");
          return;
        default:
          this.#print(`Unknown command /${command}. Type /help for the list.`);
      }
    } catch (error) {
      this.#error(error);
    }
  }

  async #connections(): Promise<void> {
    const { colors } = this.#style;
    const { runtime } = this.#options;
    const overview = await runtime.listConnections(this.#identity);
    // Links for every connector that is not connected, fetched together.
    const links = await Promise.all(
      overview.map(async (item) =>
        item.status === "ACTIVE" ? undefined : runtime.connect(this.#identity, item.connector),
      ),
    );
    const width = Math.max(...overview.map((item) => item.displayName.length));
    this.#print(`Connections of ${this.#identity.userId}:`);
    overview.forEach((item, index) => {
      const state = describeStatus(item);
      const url = links[index]?.status === "ACTIVE" ? undefined : links[index]?.url;
      const connected = item.status === "ACTIVE" || links[index]?.status === "ACTIVE";
      if (connected) {
        this.#print(`  ${colors.green("●")} ${item.displayName.padEnd(width)}  ${colors.green("connected")}`);
      } else if (this.#style.tty) {
        this.#print(
          `  ${colors.dim("○")} ${item.displayName.padEnd(width)}  ${colors.yellow(state)}${url ? `  ${colors.cyan(link(this.#style, url))}` : ""}`,
        );
      } else {
        this.#print(`  ○ ${item.displayName.padEnd(width)}  ${state}${url ? " — connect at:" : ""}`);
        if (url) this.#print(url);
      }
    });
    this.#lastLinks = links.flatMap((item) => (item && item.status !== "ACTIVE" ? [item.url] : []));
  }

  #connectorArg(value: string | undefined): ConnectorId | undefined {
    if (value && isConnectorId(value)) return value;
    this.#print(
      value
        ? `Unknown connector "${value}". Known: ${CONNECTOR_IDS.join(", ")}.`
        : `Which connector? One of: ${CONNECTOR_IDS.join(", ")}.`,
    );
    return undefined;
  }

  // ---- output ----------------------------------------------------------------------------

  #banner(view: ThreadView | undefined): void {
    const { colors } = this.#style;
    const { runtime } = this.#options;
    const label = (text: string) => colors.dim(text.padEnd(7));
    const count = view?.messages.filter((message) => message.role !== "tool").length ?? 0;
    const threadNote =
      count > 0
        ? colors.dim(` (continued, ${count} message${count === 1 ? "" : "s"} so far)`)
        : colors.dim(" (new)");
    this.#print(
      colors.bold("Delegate") +
        colors.dim(" — acts in your Gmail, Google Calendar, Slack, Notion and Outlook"),
    );
    this.#print(`  ${label("mode")} ${this.#options.modeLabel}`);
    this.#print(`  ${label("model")} ${runtime.info.modelLabel}`);
    this.#print(`  ${label("user")} ${this.#identity.userId}`);
    this.#print(`  ${label("thread")} ${this.#threadId}${threadNote}`);
    if (this.#options.dataDir) this.#print(`  ${label("data")} ${this.#options.dataDir}`);
    const examples = this.#options.examples ?? [];
    if (examples.length > 0)
      this.#print(colors.dim(`Try: ${examples.map((example) => `"${example}"`).join(", ")}`));
    this.#print(colors.dim("Type a request, or /help. Ctrl+D to quit."));
  }

  async #openLinks(urls: readonly string[]): Promise<void> {
    const open = this.#options.openUrl;
    if (!open) {
      this.#print(this.#style.colors.dim("(no browser from here: open the link yourself)"));
      return;
    }
    for (const url of urls) {
      try {
        await open(url);
      } catch (error) {
        this.#options.logger?.warn({ error: errorMessage(error) }, "could not open a browser");
        this.#print(this.#style.colors.dim("(could not open a browser: open the link yourself)"));
        return;
      }
    }
    this.#print(
      this.#style.colors.dim(`(opened ${urls.length === 1 ? "the link" : "the links"} in your browser)`),
    );
  }

  #namesOf(connections: readonly string[]): string {
    const names = connections.map(
      (connection) =>
        this.#displayNames.get(connection) ??
        Object.values(CONNECTORS).find((connector) => connector.defaultConnection === connection)
          ?.displayName ??
        connection,
    );
    return joinNames(names);
  }

  #ref() {
    return {
      userId: this.#identity.userId,
      ...(this.#identity.organizationId ? { organizationId: this.#identity.organizationId } : {}),
      threadId: this.#threadId,
    };
  }

  #error(error: unknown): void {
    this.#failures += 1;
    const { colors } = this.#style;
    if (DelegateError.isInstance(error) && error.code !== "INTERNAL") {
      this.#print(colors.red(`! ${error.message}`));
      return;
    }
    // Unexpected: the details (stack) go to the log file, one line to the terminal.
    this.#options.logger?.error(
      { error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined },
      "chat: unexpected failure",
    );
    const where = this.#options.logPath ? ` (details in ${this.#options.logPath})` : "";
    this.#print(colors.red(`! Something went wrong: ${oneLine(errorMessage(error), 200)}${where}`));
  }

  // ---- the waiting indicator and the prompt ----------------------------------------------

  #startIndicator(): void {
    const waiting = this.#waiting;
    if (!waiting || this.#exiting) return;
    if (!this.#style.tty) {
      this.#print(`Waiting for you to connect ${waiting.names}… (send /cancel or Ctrl+C to cancel)`);
      return;
    }
    waiting.indicator = true;
    this.#frame = 0;
    if (this.#spinnerTimer) clearInterval(this.#spinnerTimer);
    this.#spinnerTimer = setInterval(() => {
      this.#frame += 1;
      this.#showWaitPrompt();
    }, 100);
    this.#showWaitPrompt();
  }

  #stopIndicator(): void {
    if (this.#spinnerTimer) clearInterval(this.#spinnerTimer);
    this.#spinnerTimer = undefined;
    if (this.#waiting?.indicator) {
      this.#waiting.indicator = false;
      this.#hidePrompt();
    }
    this.#promptText = this.#userPrompt();
    this.#rl?.setPrompt(this.#promptText);
  }

  #waitPromptText(waiting: Waiting): string {
    const { colors } = this.#style;
    const frame = FRAMES[this.#frame % FRAMES.length] ?? "";
    const elapsed = formatElapsed(Date.now() - (this.#waitSince ?? Date.now()));
    return `${colors.cyan(frame)} Waiting for you to connect ${waiting.names}… ${elapsed} ${colors.dim("(Ctrl+C or /cancel to cancel)")} ${colors.bold(colors.green("›"))} `;
  }

  #showWaitPrompt(): void {
    const waiting = this.#waiting;
    const rl = this.#rl;
    if (!rl || !waiting?.indicator || this.#exiting) return;
    this.#promptText = this.#waitPromptText(waiting);
    rl.setPrompt(this.#promptText);
    rl.prompt(true);
    this.#promptShown = true;
  }

  /** The user prompt when idle. */
  #prompt(): void {
    if (this.#exiting || this.#inputClosed || !this.#style.tty || !this.#rl) return;
    this.#endLine();
    this.#promptText = this.#userPrompt();
    this.#rl.setPrompt(this.#promptText);
    this.#rl.prompt(true);
    this.#promptShown = true;
  }

  #redrawPrompt(): void {
    if (this.#waiting?.indicator) this.#showWaitPrompt();
    else if (!this.#turn) this.#prompt();
  }

  #refreshPrompt(): void {
    this.#promptText = this.#userPrompt();
    this.#rl?.setPrompt(this.#promptText);
  }

  #userPrompt(): string {
    return this.#style.colors.bold(this.#style.colors.green("you › "));
  }

  /** Clears the prompt (and what is typed after it) from the screen; readline keeps the text. */
  #hidePrompt(): void {
    const rl = this.#rl;
    if (!this.#promptShown || !rl) return;
    this.#clearRows(rl.getCursorPos().rows);
    // readline redraws relative to the row it last drew on; that row is now the cursor's.
    (rl as unknown as { prevRows: number }).prevRows = 0;
    this.#promptShown = false;
    this.#atLineStart = true;
  }

  /** After Enter, readline leaves prompt + text on the row(s) above the cursor: remove them. */
  #eraseEchoedLine(raw: string): void {
    const output = this.#options.output;
    const columns = output.columns && output.columns > 0 ? output.columns : 80;
    const rows = Math.max(1, Math.ceil(visibleWidth(this.#promptText + raw) / columns));
    moveCursor(output, 0, -1);
    this.#clearRows(rows - 1);
    this.#atLineStart = true;
  }

  /**
   * Clears the cursor's row and the `above` rows over it, leaving the cursor at the start of the
   * topmost. A single row is erased with EL rather than ED, which tmux and some terminals turn
   * into scrollback when the cursor is at the top of the screen.
   */
  #clearRows(above: number): void {
    const output = this.#options.output;
    if (above > 0) moveCursor(output, 0, -above);
    cursorTo(output, 0);
    if (above > 0) clearScreenDown(output);
    else clearLine(output, 0);
  }

  #clearInput(): void {
    const rl = this.#rl;
    if (!rl) return;
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
  }

  #write(text: string): void {
    if (text.length === 0) return;
    this.#hidePrompt();
    this.#options.output.write(text);
    this.#atLineStart = text.endsWith("\n");
  }

  /** One line of output; on a terminal the waiting prompt is drawn again below it. */
  #print(line: string): void {
    const hadPrompt = this.#promptShown;
    this.#hidePrompt();
    this.#endLine();
    this.#write(`${line}\n`);
    if (this.#waiting?.indicator) this.#showWaitPrompt();
    else if (hadPrompt && !this.#turn) this.#prompt();
  }

  #endLine(): void {
    if (!this.#atLineStart) this.#write("\n");
  }

  #exit(code = 0): void {
    if (this.#exiting) return;
    const waiting = this.#waiting;
    this.#stopIndicator();
    this.#exiting = true;
    if (waiting && !waiting.cancelling) {
      this.#print(
        this.#style.colors.yellow(
          `Still waiting for ${waiting.names}. To continue later: delegate chat --thread ${this.#threadId} (it shows a fresh link).`,
        ),
      );
    } else if (this.#style.tty) {
      this.#endLine();
      this.#print(
        this.#style.colors.dim(`Bye. Continue this thread with: delegate chat --thread ${this.#threadId}`),
      );
    }
    this.#exitCode = code;
    this.#rl?.close();
    this.#done?.();
  }
}

/**
 * One line per tool call: on a terminal `  ✓ call(args) → outcome` is fitted to the width,
 * shortening the arguments first and the outcome down to about 40 characters.
 */
function fitToolLine(described: string, outcome: string, columns: number): [string, string] {
  const chrome = 7; // "  ✓ " and " → "
  const room = columns - 1 - chrome;
  if (columns <= 0 || described.length + outcome.length <= room) return [described, outcome];
  const outcomeRoom = Math.max(40, room - described.length);
  const fittedOutcome = outcome.length > outcomeRoom ? `${outcome.slice(0, outcomeRoom - 1)}…` : outcome;
  const callRoom = Math.max(20, room - fittedOutcome.length);
  const fittedCall = described.length > callRoom ? `${described.slice(0, callRoom - 2)}…)` : described;
  return [fittedCall, fittedOutcome];
}

function describeStatus(item: ConnectionOverview): string {
  switch (item.status) {
    case "ACTIVE":
      return "connected";
    case "NOT_FOUND":
      return "not connected";
    case "PENDING_AUTH":
      return "waiting for consent";
    case "PENDING_VERIFICATION":
      return "pending verification";
    case "EXPIRED":
      return "expired, reconnect";
    case "DISCONNECTED":
      return "disconnected";
    default:
      return String(item.status).toLowerCase();
  }
}
