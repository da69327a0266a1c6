/**
 * A real pseudo-terminal for interactive tests: one tmux server on a private socket
 * (`tmux -L <unique>`), one pane running a command. Only that server is ever killed.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { shellQuote } from "./cli-process.js";

const EXIT_MARK = "[delegate-test: exited with status";
const EXIT_PATTERN = /\[delegate-test: exited with status (\d+)\]/;

export const TMUX_PATH = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].find((path) =>
  existsSync(path),
);

/** The environment a pane runs the CLI with: a real terminal type, UTF-8, its own data folder. */
export function paneEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: homedir(),
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    DELEGATE_DATA_DIR: dataDir,
    ...extra,
  };
}

export interface TmuxStartOptions {
  /** The command line the pane runs (through `sh -c`). */
  command: string;
  /** The pane's complete environment (nothing is inherited from the test process). */
  env: Record<string, string>;
  cwd: string;
  width?: number;
  height?: number;
  /** Record every byte the program writes (escapes included) to this file, from the start. */
  recordTo?: string;
}

export class TmuxPane {
  readonly socket: string;
  readonly #tmux: string;

  private constructor(tmux: string, socket: string) {
    this.#tmux = tmux;
    this.socket = socket;
  }

  static start(options: TmuxStartOptions): TmuxPane {
    if (!TMUX_PATH) throw new Error("tmux is not installed");
    const socket = `delegate-test-${process.pid}-${randomBytes(4).toString("hex")}`;
    const pane = new TmuxPane(TMUX_PATH, socket);
    // `env -i` so the pane sees exactly options.env (the tmux server would otherwise pass on
    // the test process's environment, SCALEKIT_* included).
    const assignments = Object.entries(options.env).map(([key, value]) => shellQuote(`${key}=${value}`));
    // The exit status is printed by the wrapping shell (tmux 3.3 does not report it reliably).
    const script = `${options.command}; printf '\\n${EXIT_MARK} %s]\\n' "$?"`;
    const command = `exec env -i ${assignments.join(" ")} sh -c ${shellQuote(script)}`;
    pane.#run([
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      String(options.width ?? 120),
      "-y",
      String(options.height ?? 50),
      "-c",
      options.cwd,
      command,
      // Keep the pane after the process ends, so a test can see that it ended and how.
      ";",
      "set-option",
      "-w",
      "remain-on-exit",
      "on",
      ...(options.recordTo ? [";", "pipe-pane", "-o", `cat >> ${shellQuote(options.recordTo)}`] : []),
    ]);
    return pane;
  }

  /** Appends everything the pane's program writes (raw bytes, escapes included) to `file`. */
  record(file: string): void {
    this.#run(["pipe-pane", "-o", `cat >> ${shellQuote(file)}`]);
  }

  /** The pane's text, wrapped lines joined (`-J`), escape sequences removed. */
  capture(): string {
    return this.#run(["capture-pane", "-p", "-J", "-S", "-2000"]);
  }

  /** The pane's text with the escape sequences tmux renders (colours, not OSC 8). */
  captureWithEscapes(): string {
    return this.#run(["capture-pane", "-p", "-e", "-J", "-S", "-2000"]);
  }

  /** Types text literally (no key-name interpretation). */
  type(text: string): void {
    this.#run(["send-keys", "-l", text]);
  }

  /** Presses keys by tmux name: "Enter", "C-c", "C-d". */
  press(...keys: string[]): void {
    this.#run(["send-keys", ...keys]);
  }

  /** The exit status of the command, once it has ended. */
  exitStatus(): number | undefined {
    const match = this.capture().match(EXIT_PATTERN);
    return match ? Number(match[1]) : undefined;
  }

  /** Polls the screen until `pattern` appears; rejects with the screen after `timeoutMs`. */
  async waitFor(pattern: RegExp | string, timeoutMs = 20_000): Promise<string> {
    return this.waitUntil(
      (screen) => (typeof pattern === "string" ? screen.includes(pattern) : pattern.test(screen)),
      `${String(pattern)}`,
      timeoutMs,
    );
  }

  async waitUntil(predicate: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = this.capture();
      if (predicate(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen:\n${screen}`);
  }

  /** Resolves with the exit status once the pane's command has ended. */
  async waitForExit(timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = this.exitStatus();
      if (status !== undefined) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `the process in the pane did not end within ${timeoutMs} ms; the screen:\n${this.capture()}`,
    );
  }

  /** Kills this test's tmux server (and so the pane's process), nothing else. */
  kill(): void {
    try {
      this.#run(["kill-server"]);
    } catch {
      // Already gone.
    }
  }

  #run(args: string[]): string {
    return execFileSync(this.#tmux, ["-u", "-L", this.socket, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
}
