import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { config as loadDotenv } from "dotenv";
import { DelegateError, errorMessage } from "../errors.js";
import { scrubSecrets } from "../log-redaction.js";
import type { Command } from "./command-context.js";
import { createFileLogger } from "./logging.js";
import { UsageError } from "./usage-error.js";

const HELP = `Delegate — an agent that acts in your Gmail, Google Calendar, Slack, Notion and Outlook.

Usage:
  delegate chat [--user ID] [--thread ID | --new] [--yes] [--auto-approve] [--open] [--auth-timeout SECONDS]
  delegate sandbox [--port N] [--json] [--webhook-url URL]
  delegate run <file…|-> [--model offline|openai] [--format pretty|jsonl]
               [--on-auth approve|deny|wait|fail] [--on-approval approve|reject|fail]
  delegate --help | --version

Configuration comes from the environment and .env (see .env.example).
Without SCALEKIT_ENV_URL everything runs on the local sandbox; without OPENAI_API_KEY or
OPENAI_BASE_URL the offline demo model answers.`;

async function loadCommand(name: string): Promise<Command | undefined> {
  switch (name) {
    case "chat":
      return (await import("./chat/chat-command.js")).chatCommand;
    case "run":
      return (await import("./run/run-command.js")).runCommand;
    default:
      return undefined;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return command ? 0 : 2;
  }
  if (command === "--version" || command === "-v") {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    console.log(pkg.version);
    return 0;
  }
  loadDotenv({ quiet: true });
  let secrets: string[] = [];
  let logger: ReturnType<typeof createFileLogger> | undefined;
  try {
    // Loaded here, not at the top: the config checks tool names against every connector's
    // tools, which `--help` and `--version` need not load.
    const { configSecrets, loadConfig } = await import("../config/env-config.js");
    const config = loadConfig();
    secrets = configSecrets(config);
    if (command === "sandbox") {
      if (rest.includes("--help") || rest.includes("-h")) {
        console.log((await import("./sandbox-command.js")).SANDBOX_HELP);
        return 0;
      }
      // Loaded on demand, like every command: `--help`, `--version` and the others load none of it.
      return await (await import("./sandbox-command.js")).sandboxCommand(rest, config);
    }
    const run = await loadCommand(command);
    if (!run) throw new UsageError(`Unknown command "${command}". Run "delegate --help".`);
    // Settings that are silently ignored otherwise (OPENAI_MODEL alone), before the command's output.
    for (const warning of config.warnings ?? []) console.error(`delegate: note: ${warning}`);
    logger = createFileLogger(config.dataDir, config.logLevel, secrets);
    const defaultUser = config.userId ?? safeUserName();
    return await run(rest, { config, logger, defaultUser });
  } catch (error) {
    return reportFatal(error, secrets, logger);
  }
}

function safeUserName(): string {
  try {
    return userInfo().username || "me";
  } catch {
    return "me";
  }
}

/** One clear line for mistakes a person can fix; no stack traces. */
function reportFatal(
  error: unknown,
  secrets: string[],
  logger?: ReturnType<typeof createFileLogger>,
): number {
  if (error instanceof UsageError) {
    console.error(`delegate: ${error.message}`);
    return 2;
  }
  if (DelegateError.isInstance(error)) {
    console.error(`delegate: ${scrubSecrets(error.message, secrets)}`);
    return error.code === "CONFIG_INVALID" ? 2 : 1;
  }
  // Not a mistake a person made: keep the details (redacted) in the log for a bug report.
  logger?.error({ error: errorMessage(error), stack: (error as Error)?.stack }, "internal error");
  logger?.flush();
  const where = logger ? ` (details in ${logger.path})` : "";
  console.error(`delegate: internal error: ${scrubSecrets(errorMessage(error), secrets)}${where}`);
  return 1;
}

// `delegate … | head` closes the pipe early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
