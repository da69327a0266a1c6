/**
 * From `npm start` (and `delegate chat`) to the first prompt: the banner's first line, with piped
 * input, on the sandbox and the offline demo model. Baseline: `node -e ''` in the same run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { distIsCurrent } from "../bin/build-freshness.js";
import { type Bench, percentile, ratio, round } from "./report.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BANNER = "Delegate —";

/**
 * Milliseconds from spawning `command` until a stdout line holds `until` (or it exits). The
 * command runs in its own process group, which is ended as a whole and awaited before the next
 * sample: `npm start` does not pass SIGTERM on to the chat it started, and a chat left shutting
 * down would slow the samples after it.
 */
function timeTo(command: string, args: string[], until: string | undefined, env: NodeJS.ProcessEnv) {
  return new Promise<number>((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let out = "";
    let elapsed: number | undefined;
    const finish = (ms: number) => {
      if (elapsed !== undefined) return;
      elapsed = ms;
      child.stdin.end();
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    };
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (until && out.includes(until)) finish(performance.now() - start);
    });
    child.stderr.resume();
    child.once("error", reject);
    child.once("close", (code) => {
      if (!until) finish(performance.now() - start);
      if (elapsed !== undefined) resolve(elapsed);
      else reject(new Error(`${command} ${args.join(" ")} exited (${code}) before "${until}":\n${out}`));
    });
  });
}

export const bench: Bench = async ({ scale }) => {
  const dataDir = mkdtempSync(join(tmpdir(), "delegate-bench-start-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DELEGATE_DATA_DIR: dataDir,
    DELEGATE_USER: "bench",
    NO_COLOR: "1",
    // No credentials: the sandbox and the offline demo model, as on a fresh clone.
    SCALEKIT_ENV_URL: "",
    SCALEKIT_CLIENT_ID: "",
    SCALEKIT_CLIENT_SECRET: "",
    OPENAI_API_KEY: "",
    OPENAI_BASE_URL: "",
  };
  try {
    // As on a fresh clone after `npm install` (whose `prepare` builds dist/).
    if (!distIsCurrent(ROOT)) {
      process.stderr.write("scale-startup: dist/ is older than the sources; building it first\n");
      await timeTo("npm", ["run", "build", "--silent"], undefined, env);
    }
    const runs = scale ? 10 : 5;
    const sample = async (command: string, args: string[], until?: string) => {
      await timeTo(command, args, until, env); // warm the file cache
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(await timeTo(command, args, until, env));
      return percentile(samples, 50);
    };
    const node = await sample(process.execPath, ["-e", ""]);
    const npmStart = await sample("npm", ["start", "--silent", "--", "--new"], BANNER);
    const chat = await sample(process.execPath, ["bin/delegate.js", "chat", "--new"], BANNER);
    // What `npm start` ran before: the sources compiled at start by tsx.
    const tsx = await sample(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "chat", "--new"],
      BANNER,
    );
    return [
      {
        name: "npm start → first prompt (p50)",
        value: round(npmStart),
        unit: "ms",
        baseline: round(node),
        ratio: ratio(npmStart, node),
        target: "≤ 1,000 ms (before: 2-3 s); baseline = node -e ''",
      },
      {
        name: "delegate chat → first prompt (p50)",
        value: round(chat),
        unit: "ms",
        baseline: round(node),
        ratio: ratio(chat, node),
        target: "the same without npm",
      },
      {
        name: "sources through tsx → first prompt (p50)",
        value: round(tsx),
        unit: "ms",
        baseline: round(node),
        ratio: ratio(tsx, node),
        target: "what npm start ran before",
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};
