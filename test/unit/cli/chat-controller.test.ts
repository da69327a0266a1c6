/**
 * The controller on a real runtime and sandbox, with a view that records what it is asked to
 * show: the state machine as it drives a turn, a wait, /open and /connect.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ChatController } from "../../../src/cli/chat/chat-controller.js";
import type { ChatView, ViewHandlers, WaitIndicator } from "../../../src/cli/chat/chat-view.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";
import type { ReplState } from "../../../src/cli/chat/repl-state.js";
import { listenToThread } from "../../../src/cli/chat/thread-listener.js";
import { DemoChatModel } from "../../../src/sandbox/index.js";
import { consent, type SandboxRuntime, startSandboxRuntime, waitFor } from "../../helpers/sandbox-runtime.js";

class RecordingView implements ChatView {
  readonly tty = false;
  readonly columns = 0;
  readonly lines: string[] = [];
  readonly waits: Array<WaitIndicator | undefined> = [];
  #partial = "";
  closed = false;
  listen(_handlers: ViewHandlers): void {}
  print(line: string): void {
    this.endLine();
    this.lines.push(line);
  }
  write(text: string): void {
    this.#partial += text;
  }
  endLine(): void {
    if (this.#partial) this.lines.push(this.#partial);
    this.#partial = "";
  }
  prompt(): void {}
  hidePrompt(): void {}
  status(_text: string | undefined): void {}
  setWaiting(wait: WaitIndicator | undefined): void {
    this.waits.push(wait);
  }
  typed(): string {
    return "";
  }
  clearTyped(): void {}
  close(): void {
    this.closed = true;
  }
  has(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }
}

const style = terminalStyle({ input: {}, output: {} }, {});
let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function setUp(user: string) {
  env = await startSandboxRuntime({ model: new DemoChatModel({ timeZone: "Europe/Berlin" }) });
  const view = new RecordingView();
  const opened: string[] = [];
  const states: ReplState[] = [];
  const identity = { userId: user };
  const controller = new ChatController({
    runtime: env.runtime,
    view,
    style,
    identity,
    threadId: "t-1",
    openUrl: async (url) => {
      opened.push(url);
    },
    connectPoll: { initialMs: 20, maxMs: 100 },
  });
  controller.start(undefined, listenToThread(env.runtime, { ...identity, threadId: "t-1" }));
  const line = (text: string) => {
    controller.handlers.line(text);
    states.push(controller.state);
  };
  const until = (pattern: RegExp) => waitFor(() => view.has(pattern), 10_000, String(pattern));
  return { sandbox: env.sandbox, controller, view, opened, states, line, until, identity };
}

describe("the chat controller", () => {
  it("a turn that waits: idle → turn → waiting → turn → idle, /open opens the wait's link, and nothing after", async () => {
    const { sandbox, controller, view, opened, line, until, identity } = await setUp("ada");
    line("show my unread email");
    expect(controller.state).toBe("turn");
    await until(/^http:\/\/127\.0\.0\.1:\d+\/magicLink\//);
    await waitFor(() => controller.state === "waiting");
    expect(view.waits.at(-1)).toMatchObject({ names: "Gmail" });
    const url = view.lines.find((text) => text.includes("/magicLink/")) ?? "";

    line("/open");
    await until(/^\(asked your browser to open the link; if nothing opened, open it yourself\)$/);
    expect(opened).toEqual([url]);
    line("what's on my calendar tomorrow");
    await until(/^\(held until Gmail is connected/);

    await consent(url);
    await until(/^✓ Gmail connected$/);
    // The held request runs next, and waits in turn for Google Calendar.
    await until(/^you › what's on my calendar tomorrow$/);
    await waitFor(() => controller.state === "waiting" && view.waits.at(-1)?.names === "Google Calendar");
    await sandbox.controls.approve(identity, "google-calendar");
    await until(/^✓ Google Calendar connected$/);
    await waitFor(() => controller.state === "idle");

    line("/open");
    await until(/^No authorization link is pending\./);
    expect(opened).toEqual([url]);
    line("/exit");
    await controller.finished;
    expect(controller.state).toBe("closed");
    expect(controller.exitCode).toBe(0);
  });

  it("/connect: a link, then a line when it has been used; the REPL stays idle meanwhile", async () => {
    const { controller, view, line, until, states } = await setUp("bob");
    line("/connect slack");
    expect(states).toEqual(["command"]);
    await until(/^Open this link to connect Slack \(link expires \d\d:\d\d\):$/);
    await waitFor(() => controller.state === "idle");
    expect(controller.session.links.all()).toHaveLength(1);
    const url = view.lines.find((text) => text.includes("/magicLink/")) ?? "";
    await consent(url);
    await until(/^✓ Slack connected$/);
    expect(controller.session.links.all()).toEqual([]);
    line("/exit");
    await controller.finished;
  });

  it("/connect while the turn waits for that connector: one line says it connected, not two", async () => {
    const { controller, view, line, until } = await setUp("cy");
    line("show my unread email");
    await until(/^http:\/\/127\.0\.0\.1:\d+\/magicLink\//);
    await waitFor(() => controller.state === "waiting");
    const waitLink = view.lines.find((text) => text.includes("/magicLink/")) ?? "";
    // The person refuses on the wait's page, then asks for a link of their own and uses it.
    await consent(waitLink, "deny");
    line("/connect gmail");
    await waitFor(() => view.lines.filter((text) => text.includes("/magicLink/")).length > 1);
    const connectLink = view.lines.filter((text) => text.includes("/magicLink/")).at(-1) ?? "";
    await consent(connectLink);
    await waitFor(() => controller.state === "idle", 15_000);
    // Another status look-up round trip, in which a /connect watch still running would report.
    line("/connections");
    await until(/^ {2}● Gmail +connected$/);
    expect(view.lines.filter((text) => /^✓ Gmail connected/.test(text))).toHaveLength(1);
  });

  it("/exit at a question says which held lines will not run, instead of dropping them unseen", async () => {
    const { sandbox, controller, line, until, identity } = await setUp("dot");
    await sandbox.controls.approve(identity, "google-calendar");
    line("schedule lunch with sam@example.com tomorrow at noon");
    await waitFor(() => controller.state === "idle", 15_000);
    line("cancel my lunch with Sam tomorrow");
    await waitFor(() => controller.state === "approving", 15_000);
    // A command that must wait for the turn's end is held; /exit leaves the question pending.
    line("/new");
    line("/exit");
    await controller.finished;
    await until(/^\(not run, as the session ended first: "\/new"\)$/);
  });

  it("SIGINT without a terminal cancels the wait; the exit code says it was interrupted", async () => {
    const { controller, line, until } = await setUp("cy");
    line("show my unread email");
    await waitFor(() => controller.state === "waiting");
    controller.interrupt();
    expect(controller.state).toBe("cancelling");
    await until(/^Cancelled: no longer waiting for Gmail\.$/);
    await waitFor(() => controller.state === "idle");
    controller.handlers.close();
    await controller.finished;
    expect(controller.exitCode).toBe(130);
  });
});

describe("calls to approve", () => {
  it("asks about each call, sends the decisions, and the turn goes on", async () => {
    const { sandbox, controller, view, line, until, identity } = await setUp("dee");
    await sandbox.controls.approve(identity, "google-calendar");
    line("schedule lunch with sam@example.com tomorrow at noon");
    await waitFor(() => controller.state === "idle");
    view.lines.length = 0;
    // Deleting is destructive: the default policy asks.
    line("cancel my lunch with Sam tomorrow");
    // Without a terminal: one line naming the call, answered by the next line.
    await until(/^approval required: Delete /);
    expect(controller.state).toBe("approving");
    line("y");
    await until(/^ {2}✓ google_calendar_delete_event\(/);
    await waitFor(() => controller.state === "idle");
    line("/exit");
    await controller.finished;
    expect(controller.exitCode).toBe(0);
  });
});
