/**
 * `npm run serve` as a person runs it: npm → scripts/serve.mjs → langgraphjs → tsx → server
 * worker. A SIGTERM to npm (what a process manager or `kill` sends) must stop all of them.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { cleanEnv, REPO_ROOT } from "../helpers/cli-process.js";

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot: with the pid, names one process even if the pid is reused. */
  start: string;
  command: string;
}

function processes(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name is in parentheses and may hold spaces: the fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      list.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        start: fields[19] ?? "",
        command,
      });
    } catch {
      // It exited while we looked.
    }
  }
  return list;
}

/** The process and every descendant, and every member of their process groups. */
function family(root: number): ProcessInfo[] {
  const all = processes();
  const found = new Map<number, ProcessInfo>();
  const rootInfo = all.find((info) => info.pid === root);
  if (rootInfo) found.set(root, rootInfo);
  for (let grew = true; grew; ) {
    grew = false;
    const groups = new Set([...found.values()].map((info) => info.pgid));
    for (const info of all) {
      if (found.has(info.pid)) continue;
      if (found.has(info.ppid) || groups.has(info.pgid)) {
        found.set(info.pid, info);
        grew = true;
      }
    }
  }
  return [...found.values()];
}

function alive(info: ProcessInfo): boolean {
  try {
    const stat = readFileSync(`/proc/${info.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] === info.start && fields[0] !== "Z";
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe("npm run serve", () => {
  it("stops the CLI, its tsx watcher and the server worker when npm gets SIGTERM", async () => {
    const port = await freePort();
    // Its own process group, as a shell job would be, so the test can see everything it starts.
    const npm = spawn("npm", ["run", "serve", "--", "--port", String(port)], {
      cwd: REPO_ROOT,
      env: cleanEnv({ DELEGATE_TIMEZONE: "Europe/Berlin" }),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    npm.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const pid = npm.pid ?? 0;
    let started: ProcessInfo[] = [];
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/ok`).then(
          (response) => response.status === 200,
          () => false,
        );
        if (ok) break;
        if (npm.exitCode !== null || Date.now() > deadline)
          throw new Error(`the server did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      started = family(pid);
      const commands = started.map((info) => info.command).join("\n");
      expect(commands).toContain("scripts/serve.mjs");
      expect(commands).toMatch(/langgraph-cli\/dist\/cli\/cli\.mjs dev/);
      expect(commands).toMatch(/tsx\/dist\/cli\.mjs watch/);
      expect(started.length).toBeGreaterThanOrEqual(4);

      process.kill(pid, "SIGTERM");
      const { code } = await exited;
      // Nothing it started outlives npm, and it says it stopped cleanly.
      expect(started.filter(alive).map((info) => `${info.pid} ${info.command}`)).toEqual([]);
      expect(code).toBe(0);
      expect(
        await fetch(`http://127.0.0.1:${port}/ok`).then(
          () => "answered",
          () => "refused",
        ),
      ).toBe("refused");
    } finally {
      for (const info of [...started, ...family(pid)]) {
        if (alive(info)) process.kill(info.pid, "SIGKILL");
      }
    }
  }, 120_000);
});
