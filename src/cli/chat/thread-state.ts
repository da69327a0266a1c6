import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AgentRuntime, SendInput } from "../../index.js";
import { keepPrivate, makeDirectory } from "../../runtime/make-directory.js";

/** Remembers each user's last thread in `<dataDir>/chat-state.json`, so `delegate chat` continues it. */
export class ThreadState {
  readonly #path: string;

  constructor(dataDir: string) {
    this.#path = join(dataDir, "chat-state.json");
  }

  lastThread(userId: string): string | undefined {
    return this.#read().lastThread?.[userId];
  }

  remember(userId: string, threadId: string): void {
    const state = this.#read();
    state.lastThread = { ...state.lastThread, [userId]: threadId };
    makeDirectory(dirname(this.#path));
    // Which user works on which thread is the owner's business only (0600, like the database).
    writeFileSync(this.#path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    keepPrivate(this.#path);
  }

  #read(): { lastThread?: Record<string, string> } {
    try {
      return JSON.parse(readFileSync(this.#path, "utf8"));
    } catch {
      return {};
    }
  }
}

/**
 * The runtime, remembering each thread a message is sent on as its user's last thread: a
 * mistyped `--thread`, or a `/new` nothing was sent on, must not become the thread a plain
 * `delegate chat` continues. Everything else is the runtime's own (methods bound to it).
 */
export function rememberingSends(runtime: AgentRuntime, state: ThreadState): AgentRuntime {
  return new Proxy(runtime, {
    get(target, property) {
      if (property === "send") {
        return (input: SendInput) => {
          state.remember(input.userId, input.threadId);
          return target.send(input);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export function newThreadId(): string {
  return `t-${randomBytes(4).toString("hex")}`;
}
