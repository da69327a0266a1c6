import { parseArgs } from "node:util";
import type { CommandContext } from "../main.js";
import { openSession } from "../bootstrap.js";
import { UsageError } from "../usage-error.js";
import { ChatRepl } from "./chat-repl.js";
import { terminalStyle } from "./render.js";
import { newThreadId, ThreadState } from "./thread-state.js";

export const CHAT_HELP = `Usage: delegate chat [--user ID] [--thread ID] [--new] [--auto-approve] [--open] [--auth-timeout SECONDS]

  --user ID             act as this user (default: DELEGATE_USER, else your OS user name)
  --thread ID           continue this thread (default: your last thread)
  --new                 start a new thread
  --auto-approve        complete consent by itself (sandbox only; for demos and CI)
  --open                open authorization links in your browser (only on a terminal)
  --auth-timeout SEC    how long to wait for a connection (default 600)`;

export async function chatCommand(argv: string[], context: CommandContext): Promise<number> {
  let values: {
    user?: string;
    thread?: string;
    new?: boolean;
    "auto-approve"?: boolean;
    open?: boolean;
    "auth-timeout"?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: "string", short: "u" },
        thread: { type: "string", short: "t" },
        new: { type: "boolean" },
        "auto-approve": { type: "boolean" },
        open: { type: "boolean" },
        "auth-timeout": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run "delegate chat --help".`);
  }
  if (values.help) {
    console.log(CHAT_HELP);
    return 0;
  }
  const { config, logger } = context;
  if (values["auto-approve"] && config.mode !== "sandbox") {
    throw new UsageError(
      "--auto-approve only works on the sandbox; against a real Scalekit environment, open the printed link to give consent.",
    );
  }
  if (values.new && values.thread) throw new UsageError("Use either --thread ID or --new, not both.");
  const userId = (values.user ?? context.defaultUser).trim();
  if (!userId || userId.length > 256) throw new UsageError("--user must be a non-empty id of at most 256 characters.");
  if (values.thread !== undefined && !/^[\w.:-]{1,128}$/.test(values.thread)) {
    throw new UsageError("--thread must be 1-128 letters, digits, '.', ':', '_' or '-'.");
  }
  const timeoutSeconds = values["auth-timeout"] === undefined ? 600 : Number(values["auth-timeout"]);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new UsageError(`--auth-timeout must be a positive number of seconds, got "${values["auth-timeout"]}".`);
  }

  const state = new ThreadState(config.dataDir);
  const threadId = values.thread ?? (values.new ? undefined : state.lastThread(userId)) ?? newThreadId();
  state.remember(userId, threadId);

  const session = await openSession({
    config,
    logger,
    overrides: { authorizationTimeoutMs: timeoutSeconds * 1000 },
  });
  const style = terminalStyle(process.stdout, process.env);
  const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true;
  const repl = new ChatRepl({
    runtime: session.runtime,
    ...(session.sandbox ? { sandbox: session.sandbox } : {}),
    identity: { userId },
    threadId,
    input: process.stdin,
    output: process.stdout,
    style,
    modeLabel: session.modeLabel,
    autoApprove: values["auto-approve"] === true,
    ...(interactive && values.open
      ? {
          openUrl: async (url: string) => {
            const { default: open } = await import("open");
            await open(url);
          },
        }
      : {}),
    onThread: (identity, id) => state.remember(identity.userId, id),
  });
  // Without a TTY, readline does not see Ctrl+C; route the signal to the same handler.
  const onSignal = () => process.stdin.isTTY || repl.interrupt();
  process.on("SIGINT", onSignal);
  try {
    await repl.run();
  } finally {
    process.off("SIGINT", onSignal);
    await session.close();
  }
  return 0;
}
