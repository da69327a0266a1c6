#!/usr/bin/env node
/**
 * `npm run serve`: LangGraph's dev server (`langgraphjs dev`) offline on 127.0.0.1:2124, with
 * any extra arguments passed on (`npm run serve -- --port 3000`).
 *
 * The CLI starts a tsx watcher that starts the server worker. npm hands a SIGTERM only to its
 * direct child, and a shell between them does not pass it on, so stopping `npm run serve` used to
 * leave the CLI, tsx and the worker running. Here the CLI runs in its own process group; SIGTERM,
 * SIGINT and SIGHUP are forwarded to the whole group, and whatever of the group is still alive
 * once the CLI has exited is killed, so nothing outlives the script.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("@langchain/langgraph-cli/package.json")), "dist/cli/cli.mjs");

const child = spawn(
  process.execPath,
  [cli, "dev", "--host", "127.0.0.1", "--port", "2124", "--no-browser", ...process.argv.slice(2)],
  {
    stdio: "inherit",
    // A new process group whose id is the CLI's pid: the group can be signalled as one.
    detached: true,
    env: {
      ...process.env,
      // No tracing, analytics or browser: the server makes no outbound connection.
      LANGSMITH_TRACING: "false",
      LANGCHAIN_TRACING_V2: "false",
      LANGGRAPH_CLI_NO_ANALYTICS: "1",
      BROWSER: "none",
    },
  },
);

/** How long the group gets to shut down cleanly (the server flushes its state) before SIGKILL. */
const GRACE_MS = 5_000;
let stopping = false;

function signalGroup(signal) {
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch (error) {
    if (error.code === "ESRCH") return false; // the whole group is gone
    throw error;
  }
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(signal, () => {
    if (stopping) {
      signalGroup("SIGKILL");
      return;
    }
    stopping = true;
    signalGroup(signal);
    setTimeout(() => signalGroup("SIGKILL"), GRACE_MS).unref();
  });
}

child.on("exit", (code, signal) => {
  // The CLI is gone; its tsx watcher or worker must not outlive it.
  if (signalGroup("SIGTERM")) setTimeout(() => signalGroup("SIGKILL"), GRACE_MS).unref();
  const waitForGroup = setInterval(() => {
    if (!signalGroup(0)) {
      clearInterval(waitForGroup);
      process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0)));
    }
  }, 50);
});
