/**
 * Spawns the real `delegate` CLI (TypeScript sources through tsx) as a child process and waits
 * for patterns in its output. No mocks: the child starts its own sandbox on loopback.
 *
 * The child runs in its data directory as working directory, so a developer's `.env` in the
 * repository is never loaded, and with every SCALEKIT_* / OPENAI_* / DELEGATE_* variable removed,
 * so it always runs on the sandbox with the offline demo model unless a test sets them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll } from "vitest";
import { CookieJar, consentInBrowser } from "./browser-binding.js";

export { externalSandboxEnv } from "./sandbox-env.js";

/**
 * How long output may take to appear, and a whole run to end, before a test gives up. Generous:
 * each CLI compiles its sources through tsx, and on a loaded 2-core CI machine a start alone can
 * take many seconds. They only bound a failure; a passing test waits for the output itself.
 */
const OUTPUT_WAIT_MS = 45_000;
const RUN_LIMIT_MS = 60_000;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(REPO_ROOT, "src", "cli", "main.ts");
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** The argv (after the node binary) that runs the CLI from source. */
export function cliArgs(args: readonly string[]): string[] {
  return ["--import", TSX_LOADER, MAIN, ...args];
}

/** A shell command line that runs the CLI (for tmux). */
export function cliCommandLine(args: readonly string[]): string {
  return [process.execPath, ...cliArgs(args)].map(shellQuote).join(" ");
}

export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export function tempDataDir(prefix = "delegate-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The parent's environment without anything that would point the CLI at real services or change its output. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SCALEKIT_|OPENAI_|DELEGATE_)/.test(key)) continue;
    if (["NO_COLOR", "FORCE_COLOR", "TMUX", "TMUX_PANE", "NODE_OPTIONS"].includes(key)) continue;
    if (key.startsWith("VITEST") || key === "TEST" || key === "NODE_ENV") continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Writes one line to stdin. */
  writeLine(line: string): void;
  endInput(): void;
  /**
   * Resolves with the first match of `pattern` in stdout after character `from` (default 0);
   * rejects with the output so far when it does not appear in time or the process exits first.
   */
  waitFor(
    pattern: RegExp | string,
    options?: { timeoutMs?: number; from?: number },
  ): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to this process only (by its pid). */
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnCliOptions {
  dataDir: string;
  env?: Record<string, string | undefined>;
}

/**
 * CLIs this test file started and that still run. A test that times out abandons its CLI; a piped
 * chat waiting for consent would then outlive the run, so they end with the file (the hook is
 * registered in each test file that imports this helper).
 */
const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) child.kill("SIGKILL");
});

export function spawnCli(args: readonly string[], options: SpawnCliOptions): CliProcess {
  const child = spawn(process.execPath, cliArgs(args), {
    cwd: options.dataDir,
    env: cleanEnv({ DELEGATE_DATA_DIR: options.dataDir, ...options.env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    notify();
  });
  // Writing to a child that already exited must not crash the test process.
  child.stdin?.on("error", () => {});
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) => {
    // `close`, not `exit`: it comes after the last output chunk, so nothing printed is missed.
    child.on("close", (code, signal) => {
      done = true;
      notify();
      resolvePromise({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error("could not spawn the CLI");
  const pid = child.pid;

  return {
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    writeLine(line) {
      child.stdin?.write(`${line}\n`);
    },
    endInput() {
      child.stdin?.end();
    },
    waitFor(pattern, { timeoutMs = OUTPUT_WAIT_MS, from = 0 } = {}) {
      const find = (): RegExpMatchArray | null => {
        const text = out.slice(from);
        if (typeof pattern === "string") {
          const index = text.indexOf(pattern);
          if (index < 0) return null;
          const match = [pattern] as unknown as RegExpMatchArray;
          match.index = from + index;
          return match;
        }
        const match = text.match(pattern);
        if (match && match.index !== undefined) match.index += from;
        return match;
      };
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const match = find();
          if (match) {
            finish();
            resolvePromise(match);
          } else if (done) {
            finish();
            reject(
              new Error(
                `the CLI exited before printing ${String(pattern)}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${String(pattern)}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
            ),
          );
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited,
    kill(signal = "SIGTERM") {
      if (!done) process.kill(pid, signal);
    },
  };
}

/** Runs the CLI to completion with `input` on stdin. */
export async function runCli(
  args: readonly string[],
  options: SpawnCliOptions & { input?: string; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, options);
  if (options.input !== undefined) cli.child.stdin?.write(options.input);
  cli.endInput();
  const timer = setTimeout(() => cli.kill("SIGKILL"), options.timeoutMs ?? RUN_LIMIT_MS);
  try {
    const { code } = await cli.exited;
    return { code, stdout: cli.stdout(), stderr: cli.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once `predicate` holds (checked every 20 ms); rejects with the CLI's output when the
 * CLI exits first or `timeoutMs` passes.
 */
export async function waitUntil(
  cli: CliProcess,
  predicate: () => boolean,
  what: string,
  timeoutMs = OUTPUT_WAIT_MS,
): Promise<void> {
  let exited = false;
  void cli.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (exited || Date.now() > deadline) {
      throw new Error(
        `${exited ? "the CLI exited" : `timed out after ${timeoutMs} ms`} waiting for ${what}\n--- stdout ---\n${cli.stdout()}\n--- stderr ---\n${cli.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * An authorization link the REPL shows: a sandbox magic link, or (with user verification, the
 * default) the start URL on the REPL's loopback listener that leads to one.
 */
export const MAGIC_LINK = /http:\/\/127\.0\.0\.1:\d+\/(?:magicLink\/[\w-]+|[\w-]{32}\/start\/[\w-]{22})/;

/**
 * Gives (or refuses) consent as a browser would: opens the link (a start URL sets its binding
 * cookie on the way), POSTs decision=allow|deny as the form does, and follows the redirect to
 * the verify URL with the browser's cookies.
 */
export async function submitConsent(
  url: string,
  decision: "allow" | "deny" = "allow",
): Promise<{ status: number; body: string }> {
  const { response } = await consentInBrowser(new CookieJar(), url, decision);
  return { status: response.status, body: await response.text() };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting terminal escapes is the point
export const ANSI_ESCAPE = /\u001b[[\]]/;

/** A stack frame line as Node prints them. */
export const STACK_FRAME = /^\s+at\s/m;
