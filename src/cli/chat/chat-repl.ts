import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { createSpinner, type Spinner } from "nanospinner";
import type { AuthorizationRequest } from "../../agent/authorization-request.js";
import { type Identity, scalekitIdentifier } from "../../auth/identity.js";
import { CONNECTOR_IDS, CONNECTORS, isConnectorId } from "../../connectors/registry.js";
import { errorMessage, isDelegateError } from "../../errors.js";
import type { AgentRuntime } from "../../runtime/agent-runtime.js";
import { EventChannel } from "../../runtime/event-channel.js";
import type { RuntimeEvent } from "../../runtime/events.js";
import type { Sandbox } from "../../sandbox/index.js";
import {
  authorizationLines,
  describeCall,
  joinNames,
  link,
  type TerminalStyle,
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
  autoApprove: boolean;
  /** Opens a URL in the browser (best effort); undefined when not allowed (no TTY, --no-open). */
  openUrl?: (url: string) => Promise<void>;
  /** Called when the thread changes (`/new`, `/user`), to remember it. */
  onThread?: (identity: Identity, threadId: string) => void;
}

const HELP_TEXT = `Commands:
  /help                    this help
  /connections             every connector's status, with a link for each that is not connected
  /connect <connector>     get a link to connect a connector (${CONNECTOR_IDS.join(", ")})
  /disconnect <connector>  remove your connection to a connector
  /user [ID]               show the user, or switch to another user (starts a new thread)
  /new                     start a new thread
  /thread                  show the thread id (continue it later with --thread ID)
  /cancel                  while waiting for a connection: stop waiting
  /open                    while waiting for a connection: open the link(s) in your browser
  /exit                    quit (or Ctrl+D)`;

/**
 * The chat loop. It owns only terminal concerns: every turn goes through the shared runtime,
 * whose watcher resumes a waiting thread by itself as soon as the account is connected.
 */
export class ChatRepl {
  readonly #options: ChatReplOptions;
  readonly #style: TerminalStyle;
  #identity: Identity;
  #threadId: string;
  #rl!: Interface;
  #turn: Promise<void> | undefined;
  #waiting: { requests: AuthorizationRequest[]; since: number } | undefined;
  #held: string[] = [];
  #spinner: Spinner | undefined;
  #spinnerTimer: NodeJS.Timeout | undefined;
  #inputClosed = false;
  #exiting = false;
  #lastInterrupt = 0;
  #streamed = false;
  #atLineStart = true;
  #calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  #done!: () => void;

  constructor(options: ChatReplOptions) {
    this.#options = options;
    this.#style = options.style;
    this.#identity = options.identity;
    this.#threadId = options.threadId;
  }

  async run(): Promise<void> {
    const finished = new Promise<void>((resolve) => {
      this.#done = resolve;
    });
    this.#rl = createInterface({
      input: this.#options.input,
      output: this.#options.output,
      terminal: this.#style.tty,
      prompt: this.#style.colors.bold(this.#style.colors.green("you › ")),
      historySize: 200,
    });
    this.#rl.on("line", (line) => this.#onLine(line));
    this.#rl.on("close", () => this.#onInputClosed());
    this.#rl.on("SIGINT", () => this.#onInterrupt());
    this.#banner();
    await this.#resumePendingIfAny();
    if (!this.#turn) this.#prompt();
    await finished;
  }

  /** Ctrl+C from outside readline (no TTY). */
  interrupt(): void {
    this.#onInterrupt();
  }

  // ---- input -----------------------------------------------------------------------------

  #onLine(raw: string): void {
    const line = raw.trim();
    if (this.#exiting) return;
    // Piped input is not echoed by a terminal; show what is being sent.
    if (!this.#style.tty && line && !this.#turn) this.#print(`you › ${line}`);
    if (this.#turn) {
      if (!line) return;
      if (this.#waiting && (line === "/cancel" || line === "/open" || line === "/help")) {
        if (line === "/cancel") this.#cancelWait();
        else if (line === "/open") void this.#openLinks(this.#waiting.requests);
        else this.#print(HELP_TEXT);
        return;
      }
      this.#held.push(line);
      if (!this.#style.tty && !this.#waiting) return;
      this.#print(
        this.#style.colors.dim(
          this.#waiting
            ? `(held until ${joinNames(this.#waiting.requests.map((r) => r.displayName))} is connected or you /cancel — sending it now would leave the waiting request unanswered)`
            : "(queued; it will be sent when this answer finishes)",
        ),
      );
      return;
    }
    if (!line) {
      this.#prompt();
      return;
    }
    if (line.startsWith("/")) {
      this.#turn = this.#slash(line).finally(() => this.#afterTurn());
      return;
    }
    this.#startTurn(line);
  }

  #onInputClosed(): void {
    this.#inputClosed = true;
    if (!this.#turn) this.#exit();
  }

  #onInterrupt(): void {
    if (this.#waiting) {
      this.#cancelWait();
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
    const events = this.#options.runtime.send({ ...this.#ref(), text });
    this.#turn = this.#consume(events).finally(() => this.#afterTurn());
  }

  #afterTurn(): void {
    this.#turn = undefined;
    this.#stopSpinner();
    if (this.#exiting) return;
    const next = this.#held.shift();
    if (next !== undefined) {
      this.#print(this.#style.colors.dim(`you › ${next}`));
      if (next.startsWith("/")) this.#turn = this.#slash(next).finally(() => this.#afterTurn());
      else this.#startTurn(next);
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
      this.#stopSpinner();
      this.#error(error);
    } finally {
      this.#waiting = undefined;
      this.#endLine();
    }
  }

  #render(event: RuntimeEvent): void {
    const { colors } = this.#style;
    switch (event.type) {
      case "text-delta":
        this.#stopSpinner();
        if (!this.#streamed) this.#ensureBlankLine();
        this.#write(event.text);
        this.#streamed = true;
        return;
      case "message":
        this.#stopSpinner();
        if (!this.#streamed) {
          this.#ensureBlankLine();
          this.#write(event.text);
        }
        this.#endLine();
        this.#streamed = false;
        return;
      case "tool-call":
        this.#calls.set(event.toolCallId, { name: event.toolName, args: event.args });
        return;
      case "tool-result": {
        this.#stopSpinner();
        this.#endLine();
        const call = this.#calls.get(event.toolCallId);
        const mark = event.status === "success" ? colors.green("✓") : colors.red("✗");
        const outcome = event.summary;
        this.#print(`  ${mark} ${colors.dim(describeCall(event.toolName, call?.args))} ${colors.dim("→")} ${event.status === "error" ? colors.red(outcome) : outcome}`);
        return;
      }
      case "authorization-required":
        this.#stopSpinner();
        this.#endLine();
        this.#onAuthorizationRequired(event.requests, event.message);
        return;
      case "authorization-completed": {
        this.#stopSpinner();
        const names = this.#waiting?.requests
          .filter((request) => event.connections.includes(request.connection))
          .map((request) => request.displayName) ?? event.connections;
        this.#print(`${colors.green("✓")} ${joinNames(names)} connected`);
        this.#waiting = undefined;
        return;
      }
      case "authorization-expired":
        this.#stopSpinner();
        this.#print(
          colors.yellow(
            `Stopped waiting: ${joinNames(this.#waitingNames(event.connections))} was not connected in time, so that part of the request was not done. Ask again whenever you are ready.`,
          ),
        );
        this.#waiting = undefined;
        return;
      case "authorization-cancelled":
        this.#stopSpinner();
        this.#print(colors.yellow(`Cancelled the connection request for ${joinNames(this.#waitingNames(event.connections))}.`));
        this.#waiting = undefined;
        return;
      case "error":
        this.#stopSpinner();
        this.#endLine();
        this.#print(colors.red(`! ${event.message}`));
        return;
      case "turn-end":
        this.#endLine();
        this.#streamed = false;
        return;
    }
  }

  #onAuthorizationRequired(requests: AuthorizationRequest[], message: string): void {
    const { colors } = this.#style;
    this.#waiting = { requests, since: Date.now() };
    this.#print(colors.yellow(message.replace(/\.$/, ":")));
    for (const line of authorizationLines(this.#style, requests)) this.#print(line);
    if (this.#options.autoApprove && this.#options.sandbox) {
      const sandbox = this.#options.sandbox;
      this.#print(colors.dim("(--auto-approve: completing consent in the sandbox)"));
      for (const request of requests) {
        void sandbox.scalekit.approve(scalekitIdentifier(this.#identity), request.connection).catch((error: unknown) => {
          this.#print(colors.red(`! auto-approve failed: ${errorMessage(error)}`));
        });
      }
      return;
    }
    if (this.#options.openUrl) void this.#openLinks(requests);
    const names = joinNames(requests.map((request) => request.displayName));
    const text = `Waiting for you to connect ${names}… (Ctrl+C or /cancel to cancel)`;
    if (this.#style.tty) {
      this.#spinner = createSpinner(text, { stream: this.#options.output as NodeJS.WriteStream }).start();
      this.#spinnerTimer = setInterval(() => {
        if (!this.#waiting || !this.#spinner) return;
        const seconds = Math.floor((Date.now() - this.#waiting.since) / 1000);
        const elapsed = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
        this.#spinner.update({ text: `Waiting for you to connect ${names}… ${elapsed} (Ctrl+C or /cancel to cancel)` });
      }, 1000);
    } else {
      this.#print(text);
    }
  }

  #cancelWait(): void {
    if (!this.#waiting) return;
    this.#stopSpinner();
    this.#print(this.#style.colors.dim("Cancelling…"));
    // The cancel run's events reach the turn already listening on this thread.
    void this.#drain(this.#options.runtime.cancel(this.#ref()));
  }

  /** On start: a thread left waiting (e.g. before a restart) shows its link again and waits. */
  async #resumePendingIfAny(): Promise<void> {
    let pending: Awaited<ReturnType<AgentRuntime["getThread"]>>["pendingAuthorization"];
    try {
      pending = (await this.#options.runtime.getThread(this.#ref())).pendingAuthorization;
    } catch (error) {
      if (isDelegateError(error, "THREAD_NOT_FOUND")) return;
      throw error;
    }
    if (!pending) return;
    this.#print(this.#style.colors.dim("This thread is waiting for a connection from earlier."));
    const listener = this.#listen();
    this.#turn = this.#consume(listener).finally(() => this.#afterTurn());
    // A recheck refreshes the links (they may have lapsed) and re-raises the request.
    await this.#drain(this.#options.runtime.resume(this.#ref()));
  }

  /** Events of this thread until its turn ends, whoever started the run. */
  #listen(): AsyncIterable<RuntimeEvent> {
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
      if (!isDelegateError(error, "THREAD_BUSY")) this.#error(error);
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
          this.#print(HELP_TEXT);
          return;
        case "exit":
        case "quit":
          this.#exit();
          return;
        case "connections": {
          const overview = await runtime.listConnections(this.#identity);
          for (const item of overview) {
            if (item.status === "ACTIVE") {
              this.#print(`  ${colors.green("●")} ${item.displayName.padEnd(16)} connected`);
            } else {
              const link_ = await runtime.connect(this.#identity, item.connector);
              const state = item.status === "NOT_FOUND" ? "not connected" : item.status.toLowerCase().replace("_", " ");
              this.#print(`  ${colors.dim("○")} ${item.displayName.padEnd(16)} ${state}  ${colors.cyan(link(this.#style, link_.url, this.#style.tty ? "connect" : link_.url))}`);
            }
          }
          return;
        }
        case "connect": {
          const connector = this.#connectorArg(args[0]);
          if (!connector) return;
          const result = await runtime.connect(this.#identity, connector);
          if (result.status === "ACTIVE") {
            this.#print(`${CONNECTORS[connector].displayName} is already connected.`);
            return;
          }
          this.#print(`Open this link to connect ${CONNECTORS[connector].displayName}:`);
          this.#print(this.#style.tty ? `  ${colors.cyan(link(this.#style, result.url))}` : result.url);
          if (this.#options.autoApprove && this.#options.sandbox) {
            await this.#options.sandbox.scalekit.approve(scalekitIdentifier(this.#identity), this.#options.sandbox.connectionNames[connector]);
            runtime.auth.invalidate(this.#identity, this.#options.sandbox.connectionNames[connector]);
            this.#print(`${colors.green("✓")} ${CONNECTORS[connector].displayName} connected (auto-approved in the sandbox)`);
          } else if (this.#options.openUrl) {
            await this.#options.openUrl(result.url).catch(() => {});
          }
          return;
        }
        case "disconnect": {
          const connector = this.#connectorArg(args[0]);
          if (!connector) return;
          await runtime.disconnect(this.#identity, connector);
          this.#print(`Disconnected ${CONNECTORS[connector].displayName}.`);
          return;
        }
        case "user":
          if (args[0]) {
            this.#identity = { userId: args[0] };
            this.#threadId = newThreadId();
            this.#options.onThread?.(this.#identity, this.#threadId);
            this.#print(`Now acting as ${colors.bold(this.#identity.userId)} on a new thread ${this.#threadId}.`);
          } else {
            this.#print(`User: ${colors.bold(this.#identity.userId)} (Scalekit identifier "${scalekitIdentifier(this.#identity)}")`);
          }
          return;
        case "new":
          this.#threadId = newThreadId();
          this.#options.onThread?.(this.#identity, this.#threadId);
          this.#print(`New thread ${colors.bold(this.#threadId)}.`);
          return;
        case "thread":
          this.#print(`Thread ${colors.bold(this.#threadId)} — continue it later with: delegate chat --thread ${this.#threadId}`);
          return;
        case "cancel":
        case "open":
          this.#print("Nothing is waiting for a connection right now.");
          return;
        default:
          this.#print(`Unknown command /${command}. Type /help for the list.`);
      }
    } catch (error) {
      this.#error(error);
    }
  }

  #connectorArg(value: string | undefined) {
    if (value && isConnectorId(value)) return value;
    this.#print(
      value
        ? `Unknown connector "${value}". Known: ${CONNECTOR_IDS.join(", ")}.`
        : `Which connector? One of: ${CONNECTOR_IDS.join(", ")}.`,
    );
    return undefined;
  }

  // ---- output ----------------------------------------------------------------------------

  #banner(): void {
    const { colors } = this.#style;
    const { runtime } = this.#options;
    this.#print(colors.bold("Delegate") + colors.dim(" — acts in your Gmail, Google Calendar, Slack, Notion and Outlook"));
    this.#print(`  ${colors.dim("mode  ")} ${this.#options.modeLabel}`);
    this.#print(`  ${colors.dim("model ")} ${runtime.info.modelLabel}`);
    this.#print(`  ${colors.dim("user  ")} ${this.#identity.userId}   ${colors.dim("thread")} ${this.#threadId}`);
    this.#print(colors.dim("Type a request, or /help. Ctrl+D to quit."));
  }

  async #openLinks(requests: readonly AuthorizationRequest[]): Promise<void> {
    if (!this.#options.openUrl) {
      this.#print(this.#style.colors.dim("(no browser here: open the link yourself)"));
      return;
    }
    for (const request of requests) await this.#options.openUrl(request.url).catch(() => {});
  }

  #waitingNames(connections: readonly string[]): string[] {
    return (
      this.#waiting?.requests
        .filter((request) => connections.includes(request.connection))
        .map((request) => request.displayName) ?? [...connections]
    );
  }

  #ref() {
    return { userId: this.#identity.userId, ...(this.#identity.organizationId ? { organizationId: this.#identity.organizationId } : {}), threadId: this.#threadId };
  }

  #error(error: unknown): void {
    this.#endLine();
    this.#print(this.#style.colors.red(`! ${errorMessage(error)}`));
  }

  #stopSpinner(): void {
    if (this.#spinnerTimer) clearInterval(this.#spinnerTimer);
    this.#spinnerTimer = undefined;
    if (this.#spinner) {
      this.#spinner.clear();
      this.#spinner.stop();
      this.#spinner = undefined;
    }
  }

  #prompt(): void {
    if (this.#exiting || this.#inputClosed || !this.#style.tty) return;
    this.#rl.prompt();
  }

  #write(text: string): void {
    this.#options.output.write(text);
    if (text.length > 0) this.#atLineStart = text.endsWith("\n");
  }

  #print(line: string): void {
    this.#endLine();
    this.#write(`${line}\n`);
  }

  #endLine(): void {
    if (!this.#atLineStart) this.#write("\n");
  }

  #ensureBlankLine(): void {
    this.#endLine();
  }

  #exit(): void {
    if (this.#exiting) return;
    this.#exiting = true;
    this.#stopSpinner();
    this.#rl.close();
    this.#done();
  }
}
