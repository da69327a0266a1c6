import {
  type AgentRuntime,
  type AuthorizationRequest,
  isConnectorId,
  type RuntimeEvent,
} from "../../index.js";
import { ApprovalPrompt } from "./approval-prompt.js";
import type { ChatSession } from "./chat-session.js";
import type { ChatView } from "./chat-view.js";
import type { EventRenderer, Output } from "./event-renderer.js";
import { joinNames, type TerminalStyle } from "./render.js";
import type { ReplEvent, ReplState } from "./repl-state.js";
import { drain } from "./thread-listener.js";

type AuthorizationRequired = Extract<RuntimeEvent, { type: "authorization-required" }>;

/** What the follower needs from the controller: its state machine and its bookkeeping. */
export interface TurnHost {
  readonly state: ReplState;
  move(event: ReplEvent): void;
  /** A turn failed; with an error, it is also reported. */
  failed(error?: unknown): void;
  /** The followed events have ended. */
  ended(): void;
  /** Takes a "/cancel" held before the wait appeared; true if there was one. */
  takeHeldCancel(): boolean;
  /** Waiting now: runs the held commands at the front of the queue that run while waiting. */
  runHeldCommands(): void;
  echo(text: string): void;
  /** A question is shown: lines already read (held) answer it, in order. */
  asked(): void;
  exit(): void;
}

export interface TurnFollowerOptions {
  runtime: AgentRuntime;
  view: ChatView;
  style: TerminalStyle;
  session: ChatSession;
  renderer: EventRenderer;
  /** `--yes`: approve every call the policy would ask about. */
  approveAll?: boolean;
}

/**
 * Shows a turn's events and keeps what a wait needs: the connections waited for (the spinner,
 * the links), the questions of calls to approve, and the cancel. State moves go through the host.
 */
export class TurnFollower {
  readonly #options: TurnFollowerOptions;
  readonly #host: TurnHost;
  /** What the turn waits for: connections (their names), or the person's answers. */
  #wait: { requests: AuthorizationRequest[]; names: string } | undefined;
  #approval: ApprovalPrompt | undefined;
  /** When the current turn started waiting (kept across re-raised requests of one turn). */
  #waitSince: number | undefined;

  constructor(options: TurnFollowerOptions, host: TurnHost) {
    this.#options = options;
    this.#host = host;
  }

  /** Names of what the turn waits for ("Gmail", "your answer"), if it waits. */
  get waitingFor(): string | undefined {
    return this.#wait?.names;
  }

  awaits(connector: string): boolean {
    return this.#wait?.requests.some((request) => request.connector === connector) ?? false;
  }

  /** Follows a turn's events until they end. */
  follow(events: AsyncIterable<RuntimeEvent>): void {
    void (async () => {
      try {
        for await (const event of events) this.#onEvent(event);
      } catch (error) {
        this.#host.failed(error);
      } finally {
        this.#options.view.setWaiting(undefined);
        if (this.#host.state !== "closed") this.#options.view.endLine();
      }
    })().finally(() => this.#host.ended());
  }

  /** A new turn, or none: forget the last one's wait. */
  reset(): void {
    this.#wait = undefined;
    this.#approval = undefined;
    this.#waitSince = undefined;
    this.#options.session.links.clearWait();
    this.#options.view.setWaiting(undefined);
  }

  /** Stops waiting (Ctrl+C, /cancel): the blocked calls are not done and the agent explains. */
  cancel(): void {
    const { view, style, runtime, session } = this.#options;
    const state = this.#host.state;
    if (state === "cancelling") return;
    const wait = this.#wait;
    if (!wait || (state !== "waiting" && state !== "approving")) {
      view.print("Nothing is waiting for a connection right now.");
      return;
    }
    this.#host.move("cancel-requested");
    view.setWaiting(undefined);
    // No answer is asked for any more: an `approve ›` left on screen would take the next line.
    if (state === "approving") view.hidePrompt();
    view.print(style.colors.dim(`Cancelling the wait for ${wait.names}…`));
    // The cancel run's events reach the turn already followed.
    void drain(runtime.cancel(session.ref)).then((outcome) => {
      // Busy or gone: the connection arrived at the same moment; that run goes on, or has ended.
      if (typeof outcome === "object") this.#host.failed(outcome.failed);
    });
  }

  /** A line while calls await a decision: the answer to the current question. */
  answer(text: string): void {
    const approval = this.#approval;
    const { view, style } = this.#options;
    if (!approval) return;
    if (!view.tty) this.#host.echo(text);
    const outcome = approval.answer(text);
    if (outcome.kind === "invalid") {
      view.print(`Answer ${approval.answers}.`);
    } else if (outcome.kind === "not-editable") {
      view.print(`Nothing in this call can be edited. Answer ${approval.answers}.`);
    } else if (outcome.kind === "no-always") {
      view.print(
        `"Always" is not offered here: this call names a target you did not name, and "always" never lets such a target through. Answer ${approval.answers}.`,
      );
    } else if (outcome.kind === "field") {
      view.print(style.colors.dim(`${outcome.prompt.trimEnd()} (Enter keeps it)`));
    } else if (outcome.kind === "next") {
      for (const line of approval.questionLines(style)) view.print(line);
    } else {
      this.#decide(outcome.decisions);
      return;
    }
    view.prompt(approval.asking);
  }

  /** After a command run at the question: the question again, so the next line is seen to answer it. */
  askAgain(): void {
    const approval = this.#approval;
    if (!approval || this.#host.state !== "approving") return;
    const { view, style } = this.#options;
    const field = approval.fieldPrompt;
    if (field) view.print(style.colors.dim(`${field.trimEnd()} (Enter keeps it)`));
    else for (const line of approval.questionLines(style)) view.print(line);
    view.prompt(approval.asking);
  }

  /** Input ended with calls still undecided: they are rejected (nothing runs) and the person is told. */
  rejectUnanswered(): boolean {
    const approval = this.#approval;
    if (!approval || this.#host.state !== "approving") return false;
    const count = approval.pending.length;
    const decisions = approval.rejectRemaining("the input ended before an answer");
    this.#options.view.print(
      this.#options.style.colors.yellow(
        `Input ended before an answer: ${count === 1 ? "the action was" : `${count} actions were`} rejected, so nothing was done.`,
      ),
    );
    this.#decide(decisions);
    return true;
  }

  #decide(decisions: Parameters<AgentRuntime["decide"]>[0]["decisions"]): void {
    const { runtime, session } = this.#options;
    this.#host.move("approval-decided");
    this.#approval = undefined;
    // The turn goes on with the decisions; its events reach the turn already followed.
    void drain(runtime.decide({ ...session.ref, decisions })).then((result) => {
      if (typeof result === "object") this.#host.failed(result.failed);
    });
  }

  #onEvent(received: RuntimeEvent): void {
    if (this.#host.state === "closed") return;
    // Every link is shown, kept for /open and opened as the URL the person should use.
    const event: RuntimeEvent =
      received.type === "authorization-required"
        ? { ...received, requests: this.#options.session.presentRequests(received.requests) }
        : received;
    switch (event.type) {
      case "authorization-required":
        if (event.approvals.length > 0) this.#askApprovals(event);
        else this.#authorizationRequired(event);
        return;
      case "authorization-completed":
      case "authorization-expired":
      case "authorization-cancelled":
        this.#endWait(event.type === "authorization-completed" ? event.connections : []);
        break;
      case "error":
        this.#host.failed();
        break;
      case "turn-end":
        if (event.status === "failed") this.#host.failed();
        break;
    }
    this.#show(this.#options.renderer.render(event));
  }

  #authorizationRequired(event: AuthorizationRequired): void {
    const { session, view, renderer } = this.#options;
    const { requests } = event;
    this.#host.move("authorization-required");
    this.#waitSince ??= Date.now();
    const names = joinNames(requests.map((request) => request.displayName));
    this.#wait = { requests, names };
    // The runtime reports these connections now; a /connect watch on them would say it twice.
    for (const request of requests) {
      if (isConnectorId(request.connector)) session.forgetConnection(request.connector);
    }
    session.links.setWait(requests);
    this.#show(renderer.render(event));
    session.linksShown(requests);
    // A /cancel typed before the link appeared was meant for this wait.
    if (this.#host.takeHeldCancel()) {
      this.cancel();
      return;
    }
    view.setWaiting({ names, since: this.#waitSince });
    this.#host.runHeldCommands();
  }

  /** Calls to decide on (and perhaps connections too): one question per call, answered by lines. */
  #askApprovals(event: AuthorizationRequired): void {
    const { session, view, renderer, style } = this.#options;
    this.#host.move("approval-required");
    const names = joinNames(event.requests.map((request) => request.displayName));
    this.#wait = { requests: event.requests, names: names || "your answer" };
    if (this.#options.approveAll) {
      // --yes: what the policy would ask is approved; the person sees each, and that it was approved.
      this.#show(renderer.render(event));
      for (const approval of event.approvals) {
        view.print(style.colors.dim(`(--yes) approved: ${approval.summary}`));
      }
      this.#decide(
        event.approvals.map((approval) => ({ type: "approve" as const, toolCallId: approval.toolCallId })),
      );
      return;
    }
    this.#approval = new ApprovalPrompt(event.approvals, { tty: view.tty });
    session.links.setWait(event.requests);
    view.setWaiting(undefined);
    this.#show(renderer.render(event));
    for (const line of this.#approval.questionLines(style)) view.print(line);
    view.prompt(this.#approval.asking);
    this.#host.asked();
  }

  #endWait(connected: readonly string[]): void {
    const state = this.#host.state;
    if (state === "waiting" || state === "approving" || state === "cancelling")
      this.#host.move("wait-resolved");
    const { session } = this.#options;
    for (const request of this.#wait?.requests ?? []) {
      if (connected.includes(request.connection)) {
        // Reported connected by the runtime now: a /connect watch on it must not say it again.
        if (isConnectorId(request.connector)) session.forgetConnection(request.connector);
        else session.links.settle(request.connector);
      } else if (isConnectorId(request.connector) && new Date(request.expiresAt).getTime() > Date.now()) {
        // A wait that ended without it (cancelled, timed out) leaves its link usable: if the person
        // uses it after all, say so, as for a /connect link.
        session.watchConnection(request.connector, new Date(request.expiresAt));
      }
    }
    this.#wait = undefined;
    this.#approval = undefined;
    this.#options.session.links.clearWait();
    this.#options.view.setWaiting(undefined);
  }

  #show(outputs: readonly Output[]): void {
    const { view } = this.#options;
    for (const output of outputs) {
      if ("line" in output) view.print(output.line);
      else if ("text" in output) view.write(output.text);
      else view.endLine();
    }
  }
}
