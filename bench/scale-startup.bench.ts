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

/** Milliseconds from spawning `command` until a stdout line holds `until` (or it exits). */
function timeTo(command: string, args: string[], until: string | undefined, env: NodeJS.ProcessEnv) {
  return new Promise<number>((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let done = false;
    const finish = (ms: number) => {
      if (done) return;
      done = true;
      child.stdin.end();
      child.kill("SIGTERM");
      resolve(ms);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (until && out.includes(until)) finish(performance.now() - start);
    });
    child.stderr.resume();
    child.once("error", reject);
    child.once("exit", (code) => {
      if (!until) finish(performance.now() - start);
      else if (!done)
        reject(new Error(`${command} ${args.join(" ")} exited (${code}) before "${until}":\n${out}`));
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
