import type { Readable, Writable } from "node:stream";
import {
  type AgentRuntime,
  CONNECTORS,
  type ConnectorId,
  errorMessage,
  type Identity,
  isDelegateError,
  type Logger,
  type ThreadView,
} from "../../index.js";
import { bannerLines } from "./banner.js";
import { ChatController } from "./chat-controller.js";
import type { ShownLink } from "./chat-session.js";
import { type ChatView, PlainView } from "./chat-view.js";
import type { TerminalStyle } from "./render.js";
import { listenToThread } from "./thread-listener.js";
import { TtyView } from "./tty-view.js";

export interface ChatReplOptions {
  runtime: AgentRuntime;
  identity: Identity;
  threadId: string;
  input: Readable;
  output: Writable & { isTTY?: boolean; columns?: number };
  style: TerminalStyle;
  modeLabel: string;
  /** The model, for the banner (default: the runtime's label). */
  modelLabel?: string;
  /** Shown in the banner: where threads and the log live. */
  dataDir?: string;
  /** Completes consent in the sandbox (`--auto-approve`); the caller checks it is the sandbox. */
  autoApprove?: (identity: Identity, connector: ConnectorId) => Promise<void>;
  /** Open authorization links in the browser as soon as they are shown (`--open`). */
  autoOpen?: boolean;
  /** Opens a URL in the browser (best effort); undefined when there is no terminal. */
  openUrl?: (url: string) => Promise<void>;
  /** The URL shown for an authorization link (the verify listener's start URL). */
  presentLink?: (link: ShownLink) => string;
  /** How long a turn waits for a connection, for the timeout message. */
  authTimeoutMs?: number;
  /** Example requests the (offline) model understands, shown in the banner and /help. */
  examples?: readonly string[];
  /** Extra lines shown under the banner (e.g. why --open is ignored). */
  notes?: readonly string[];
  /** `--yes`: approve every call the approval policy would ask about. */
  approveAll?: boolean;
  /** Called when the thread changes (`/new`, `/user`), to remember it. */
  onThread?: (identity: Identity, threadId: string) => void;
  /**
   * Scalekit runs in this process (the embedded sandbox), so it cannot be unreachable and the
   * start-up status look-up has nothing to catch: it runs after the banner instead of before it,
   * warming the status cache while the person reads (and loading the Scalekit client off the
   * path to the first prompt).
   */
  scalekitInProcess?: boolean;
  /** Where unexpected failures are recorded (with details the terminal does not show). */
  logger?: Logger;
  logPath?: string;
}

/**
 * The chat REPL, assembled: a view (a terminal's, or plain lines without one), the controller
 * that drives it, and the start-up checks. See `chat-controller.ts` for the behaviour.
 */
export class ChatRepl {
  readonly #options: ChatReplOptions;
  readonly #view: ChatView;
  readonly #controller: ChatController;

  constructor(options: ChatReplOptions) {
    this.#options = options;
    const { input, output, style } = options;
    this.#view = style.tty ? new TtyView(input, output, style) : new PlainView(input, output);
    this.#controller = new ChatController({ ...options, view: this.#view });
  }

  get threadId(): string {
    return this.#controller.threadId;
  }

  get exiting(): boolean {
    return this.#controller.state === "closed";
  }

  /**
   * Runs until /exit, Ctrl+D or the end of input (and whatever was still running then) and
   * resolves to the exit code (see `exitCode` in repl-state.ts). Throws, before printing anything,
   * when Scalekit cannot be reached.
   */
  async run(): Promise<number> {
    // The runtime's timers do not hold the event loop (they are unref'd), and once piped input
    // has ended nothing else may: without this, a wait for consent against a Scalekit in another
    // process would end the process (exit code 13, unsettled top-level await) mid-wait.
    const hold = setInterval(() => {}, 2 ** 30);
    try {
      const { runtime, identity, style } = this.#options;
      const ref = { ...identity, threadId: this.#controller.threadId };
      // Listen before anything can resume this thread (the runtime's watcher is already running).
      const listener = listenToThread(runtime, ref);
      let thread: ThreadView | undefined;
      this.#view.status(`Connecting to ${this.#options.modeLabel}…`);
      try {
        // One status look-up up front: an unreachable Scalekit or wrong credentials end here
        // with one line, rather than in the middle of the first request.
        if (!this.#options.scalekitInProcess) await runtime.listConnections(identity);
        thread = await runtime.getThread(ref).catch((error: unknown) => {
          if (isDelegateError(error, "THREAD_NOT_FOUND")) return undefined;
          throw error;
        });
      } catch (error) {
        listener.stop();
        throw error;
      } finally {
        this.#view.status(undefined);
      }
      this.#view.listen(this.#controller.handlers);
      const banner = bannerLines(style, {
        modeLabel: this.#options.modeLabel,
        modelLabel: this.#options.modelLabel ?? runtime.info.modelLabel,
        userId: identity.userId,
        threadId: ref.threadId,
        thread,
        ...(this.#options.dataDir ? { dataDir: this.#options.dataDir } : {}),
        examples: this.#options.examples ?? [],
        connectors: runtime.info.connectors.map((id) => CONNECTORS[id].displayName),
      });
      for (const line of banner) this.#view.print(line);
      for (const note of this.#options.notes ?? []) this.#view.print(style.colors.dim(note));
      this.#controller.start(thread, listener);
      // Not awaited: a session that ends first closes the runtime under it, which is no failure.
      let ended = false;
      if (this.#options.scalekitInProcess) {
        runtime.listConnections(identity).catch((error: unknown) => {
          if (!ended) {
            this.#options.logger?.warn({ error: errorMessage(error) }, "warming connection statuses failed");
          }
        });
      }
      await this.#controller.finished;
      ended = true;
      return this.#controller.exitCode;
    } finally {
      clearInterval(hold);
    }
  }

  /** Ctrl+C from outside readline (SIGINT without a terminal). */
  interrupt(): void {
    this.#controller.interrupt();
  }
}
