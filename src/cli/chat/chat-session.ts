import {
  type AgentRuntime,
  type AuthorizationRequest,
  CONNECTORS,
  type ConnectorId,
  DelegateError,
  errorMessage,
  type Identity,
  isConnectorId,
  type Logger,
  type ThreadRef,
} from "../../index.js";
import type { ChatView } from "./chat-view.js";
import type { CommandContext } from "./commands.js";
import { ConnectWatch } from "./connect-watch.js";
import { PendingLinks } from "./pending-links.js";
import { oneLine, type TerminalStyle } from "./render.js";
import { newThreadId } from "./thread-state.js";

export interface ChatSessionOptions {
  runtime: AgentRuntime;
  view: ChatView;
  style: TerminalStyle;
  identity: Identity;
  threadId: string;
  /** Completes consent in the sandbox (`--auto-approve`); the caller checks it is the sandbox. */
  autoApprove?: (identity: Identity, connector: ConnectorId) => Promise<void>;
  /** Open authorization links in the browser as soon as they are shown (`--open`). */
  autoOpen?: boolean;
  /** Opens a URL in the browser (best effort); undefined when there is no terminal. */
  openUrl?: (url: string) => Promise<void>;
  /**
   * The URL to show (and open) for an authorization link: with user verification, the loopback
   * listener's start URL, which binds the browser that opens it to the flow before sending it on
   * to Scalekit. Without it (DELEGATE_VERIFY=off) the link itself.
   */
  presentLink?: (link: ShownLink) => string;
  /** Example requests the (offline) model understands, for /help. */
  examples?: readonly string[];
  /** Called when the thread changes (`/new`, `/user`), to remember it. */
  onThread?: (identity: Identity, threadId: string) => void;
  logger?: Logger;
  logPath?: string;
  /** How often `/connect` links are checked (tests shorten it). */
  connectPoll?: { initialMs: number; maxMs: number };
}

/** An authorization link about to be shown: Scalekit's URL, for one connector. */
export interface ShownLink {
  url: string;
  connector: string;
  /** The Scalekit connection, when known (a wait's requests name it). */
  connection?: string;
  expiresAt: Date | string;
  /** The nonce of the link's verification state: the start URL binds the browser to this link. */
  stateNonce?: string | undefined;
}

/** What the controller lends the commands: the two moves that change the REPL's state. */
export interface SessionHooks {
  cancelWait(): void;
  exit(): void;
  /** The connector is part of the wait in progress (its connection is reported by the runtime). */
  awaited(connector: ConnectorId): boolean;
}

/**
 * Who the REPL acts for and on which thread, the links still pending, the browser, and how
 * failures are reported: everything a slash command uses besides the state machine's own moves.
 */
export class ChatSession implements CommandContext {
  readonly runtime: AgentRuntime;
  readonly style: TerminalStyle;
  readonly links = new PendingLinks();
  readonly examples: readonly string[];
  readonly autoOpen: boolean;
  readonly autoApprove?: (identity: Identity, connector: ConnectorId) => Promise<void>;
  readonly #options: ChatSessionOptions;
  readonly #hooks: SessionHooks;
  readonly #watch: ConnectWatch;
  #identity: Identity;
  #threadId: string;

  constructor(options: ChatSessionOptions, hooks: SessionHooks) {
    this.#options = options;
    this.#hooks = hooks;
    this.runtime = options.runtime;
    this.style = options.style;
    this.examples = options.examples ?? [];
    this.autoOpen = options.autoOpen ?? false;
    if (options.autoApprove) this.autoApprove = options.autoApprove;
    this.#identity = options.identity;
    this.#threadId = options.threadId;
    this.#watch = new ConnectWatch({
      list: () => this.runtime.listConnections(this.#identity),
      onConnected: (connector) => this.#connected(connector),
      onError: (error) => options.logger?.debug({ error: errorMessage(error) }, "connect watch"),
      ...options.connectPoll,
    });
  }

  get identity(): Identity {
    return this.#identity;
  }

  get threadId(): string {
    return this.#threadId;
  }

  get ref(): ThreadRef {
    return { ...this.#identity, threadId: this.#threadId };
  }

  print(line: string): void {
    this.#options.view.print(line);
  }

  presentLink(link: ShownLink): string {
    return this.#options.presentLink ? this.#options.presentLink(link) : link.url;
  }

  /** The requests as the person sees them: each link replaced by the URL to show. */
  presentRequests(requests: readonly AuthorizationRequest[]): AuthorizationRequest[] {
    return requests.map((request) => ({ ...request, url: this.presentLink(request) }));
  }

  cancelWait(): void {
    this.#hooks.cancelWait();
  }

  exit(): void {
    this.#hooks.exit();
  }

  watchConnection(connector: ConnectorId, until: Date): void {
    this.#watch.watch(connector, until);
  }

  forgetConnection(connector: ConnectorId): void {
    this.#watch.forget(connector);
    this.links.settle(connector);
  }

  switchUser(identity: Identity): void {
    this.#identity = identity;
    this.#watch.clear();
    this.links.clear();
    this.newThread();
  }

  newThread(): void {
    this.#threadId = newThreadId();
    this.#options.onThread?.(this.#identity, this.#threadId);
  }

  async openLinks(urls: readonly string[]): Promise<void> {
    const { dim } = this.style.colors;
    const open = this.#options.openUrl;
    if (!open) {
      this.print(dim("(no browser from here: open the link yourself)"));
      return;
    }
    for (const url of urls) {
      try {
        await open(url);
      } catch (error) {
        this.#options.logger?.warn({ error: errorMessage(error) }, "could not open a browser");
        this.print(dim("(could not open a browser: open the link yourself)"));
        return;
      }
    }
    // The opener returns once it has asked the system; whether a browser came up is not known.
    this.print(
      dim(
        `(asked your browser to open ${urls.length === 1 ? "the link" : "the links"}; if nothing opened, open it yourself)`,
      ),
    );
  }

  /** Links were shown for a wait: complete consent (`--auto-approve`) or open them (`--open`). */
  linksShown(requests: readonly AuthorizationRequest[]): void {
    const approve = this.autoApprove;
    if (approve) {
      this.print(this.style.colors.dim("(--auto-approve: completing consent in the sandbox)"));
      for (const request of requests) {
        if (!isConnectorId(request.connector)) continue;
        approve(this.#identity, request.connector).catch((error: unknown) => {
          this.print(this.style.colors.red(`! auto-approve failed: ${errorMessage(error)}`));
        });
      }
    } else if (this.autoOpen) {
      void this.openLinks(requests.map((request) => request.url));
    }
  }

  /** One red line: the message for errors a person can act on; else a pointer to the log. */
  reportError(error: unknown): void {
    const { red } = this.style.colors;
    if (DelegateError.isInstance(error) && error.code !== "INTERNAL") {
      this.print(red(`! ${error.message}`));
      return;
    }
    // Unexpected: the details (stack) go to the log file, one line to the terminal.
    this.#options.logger?.error(
      { error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined },
      "chat: unexpected failure",
    );
    const where = this.#options.logPath ? ` (details in ${this.#options.logPath})` : "";
    this.print(red(`! Something went wrong: ${oneLine(errorMessage(error), 200)}${where}`));
  }

  close(): void {
    this.#watch.stop();
  }

  /** A `/connect` link was used. */
  #connected(connector: ConnectorId): void {
    this.links.settle(connector);
    // A connector the thread waits for is reported by the runtime ("✓ Gmail connected").
    if (this.#hooks.awaited(connector)) return;
    this.print(`${this.style.colors.green("✓")} ${CONNECTORS[connector].displayName} connected`);
  }
}
