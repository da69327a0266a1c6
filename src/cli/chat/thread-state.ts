import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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

export function newThreadId(): string {
  return `t-${randomBytes(4).toString("hex")}`;
}
