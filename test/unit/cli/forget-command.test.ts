/** `/forget` in the REPL, on a real runtime and sandbox: it asks first, then deletes and moves on. */
import { afterEach, describe, expect, it } from "vitest";
import { ChatController } from "../../../src/cli/chat/chat-controller.js";
import type { ChatView, ViewHandlers, WaitIndicator } from "../../../src/cli/chat/chat-view.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";
import { listenToThread } from "../../../src/cli/chat/thread-listener.js";
import { type SandboxRuntime, startSandboxRuntime, waitFor } from "../../helpers/sandbox-runtime.js";

class LinesView implements ChatView {
  readonly tty = false;
  readonly columns = 0;
  readonly lines: string[] = [];
  #partial = "";
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
  setWaiting(_wait: WaitIndicator | undefined): void {}
  typed(): string {
    return "";
  }
  clearTyped(): void {}
  close(): void {}
}

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe("/forget", () => {
  it("asks, then deletes the thread and starts a new one", async () => {
    env = await startSandboxRuntime();
    const runtime = env.runtime;
    const identity = { userId: "fay" };
    await env.sandbox.controls.approve(identity, "gmail");
    const view = new LinesView();
    const remembered: string[] = [];
    const controller = new ChatController({
      runtime,
      view,
      style: terminalStyle({ input: {}, output: {} }, {}),
      identity,
      threadId: "t-forget",
      onThread: (_identity, threadId) => remembered.push(threadId),
    });
    controller.start(undefined, listenToThread(runtime, { ...identity, threadId: "t-forget" }));
    const until = (pattern: RegExp) =>
      waitFor(
        () => view.lines.some((line) => pattern.test(line)) && controller.state === "idle",
        10_000,
        String(pattern),
      );

    controller.handlers.line("show my unread email");
    await until(/Dana Whitfield/);
    controller.handlers.line("/forget");
    await until(/Type \/forget yes to confirm/);
    expect(view.lines.at(-1)).toBe(
      "This deletes thread t-forget and every message in it, for good. Type /forget yes to confirm.",
    );
    // Asking deleted nothing.
    expect((await runtime.getThread({ ...identity, threadId: "t-forget" })).messages).toHaveLength(4);

    controller.handlers.line("/forget yes");
    await until(/^Forgot thread t-forget\./);
    const next = controller.threadId;
    expect(next).not.toBe("t-forget");
    expect(remembered).toEqual([next]);
    expect(view.lines.at(-1)).toBe(`Forgot thread t-forget. New thread ${next}.`);
    await expect(runtime.getThread({ ...identity, threadId: "t-forget" })).rejects.toMatchObject({
      code: "THREAD_NOT_FOUND",
    });
  });
});
