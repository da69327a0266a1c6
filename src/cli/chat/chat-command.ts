import { homedir } from "node:os";
import { parseArgs } from "node:util";
import {
  type ConnectorId,
  connectionNames,
  DelegateError,
  errorMessage,
  IdentitySchema,
  isConnectorId,
  isDelegateError,
} from "../../index.js";
import { openSession } from "../bootstrap.js";
import type { CommandContext } from "../command-context.js";
import { UsageError } from "../usage-error.js";
import { ChatRepl } from "./chat-repl.js";
import { terminalStyle } from "./render.js";
import { newThreadId, rememberingSends, ThreadState } from "./thread-state.js";

export const CHAT_HELP = `Usage: delegate chat [--user ID] [--thread ID] [--new] [--yes] [--auto-approve] [--open] [--auth-timeout SECONDS]

  -u, --user ID           act as this user (default: DELEGATE_USER, else your OS user name)
  -t, --thread ID         continue this thread, including a pending authorization
                          (default: your last thread)
      --new               start a new thread
  -y, --yes               approve every action the approval policy would ask about
                          (sending, posting, deleting…); the banner says so
      --auto-approve      complete consent by itself (sandbox only; for demos and CI)
      --open              open authorization links in your browser (only at a terminal)
      --auth-timeout SEC  how long to wait for a connection before giving up (default 600)
  -h, --help              this help

Threads and the log (logs/delegate.log) live in DELEGATE_DATA_DIR (default ~/.delegate).
Consent is bound to this machine and browser: links open a listener on 127.0.0.1 first, and
after Allow only the browser that opened the link is accepted back there, as you
(DELEGATE_VERIFY=off for plain Scalekit links).
At a terminal: a spinner while waiting for a connection, Ctrl+C or /cancel to stop waiting,
Ctrl+D to quit. With piped input or output: plain lines, no colour, each link on its own
line; Delegate still waits for consent after the input ends (exit code 0, 1 if a turn failed,
130 after SIGINT; 2 for a usage error). Type /help inside for commands.`;

type ChatFlags = {
  user?: string;
  thread?: string;
  new?: boolean;
  "auto-approve"?: boolean;
  yes?: boolean;
  open?: boolean;
  "auth-timeout"?: string;
  help?: boolean;
};

function parseFlags(argv: string[]): ChatFlags {
  try {
    return parseArgs({
      args: argv,
      options: {
        user: { type: "string", short: "u" },
        thread: { type: "string", short: "t" },
        new: { type: "boolean" },
        "auto-approve": { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        open: { type: "boolean" },
        "auth-timeout": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(`${errorMessage(error).replace(/\.$/, "")}. Run "delegate chat --help".`);
  }
}

export async function chatCommand(argv: string[], context: CommandContext): Promise<number> {
  const values = parseFlags(argv);
  if (values.help) {
    console.log(CHAT_HELP);
    return 0;
  }
  const { config, logger } = context;
  if (values["auto-approve"] && config.mode !== "sandbox") {
    throw new UsageError(
      `--auto-approve only works on the sandbox; SCALEKIT_ENV_URL points at a real Scalekit environment (${hostOf(config.scalekit?.environmentUrl)}), where consent must be given by opening the printed link.`,
    );
  }
  if (values.new && values.thread) throw new UsageError("Use either --thread ID or --new, not both.");
  const userId = (values.user ?? context.defaultUser).trim();
  const validUser = IdentitySchema.shape.userId.safeParse(userId);
  if (!validUser.success) {
    throw new UsageError(
      `--user (or DELEGATE_USER) must be a non-empty id of at most 256 characters without "/": got "${userId.slice(0, 80)}".`,
    );
  }
  if (values.thread !== undefined && !/^[\w.:-]{1,128}$/.test(values.thread)) {
    throw new UsageError("--thread must be 1-128 letters, digits, '.', ':', '_' or '-'.");
  }
  const rawTimeout = values["auth-timeout"];
  const timeoutSeconds = rawTimeout === undefined ? 600 : Number(rawTimeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 7 * 24 * 3600) {
    throw new UsageError(
      `--auth-timeout must be a number of seconds between 1 and 604800, got "${rawTimeout}".`,
    );
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const style = terminalStyle(
    { input: process.stdin, output: process.stdout },
    config.terminal,
    config.timeZone,
  );
  const state = new ThreadState(config.dataDir);
  const remembered = values.thread === undefined && !values.new ? state.lastThread(userId) : undefined;
  let threadId = values.thread ?? remembered ?? newThreadId();

  const logPath = (logger as { path?: string }).path;
  let session: Awaited<ReturnType<typeof openSession>>;
  try {
    session = await openSession({
      config,
      logger,
      overrides: { authorizationTimeoutMs: timeoutSeconds * 1000 },
      verifyOnLoopback: true,
    });
  } catch (error) {
    throw logged(error, logger, logPath, "chat could not start");
  }
  // Threads are per user: another user's thread of the same id is simply not this one.
  let found = true;
  try {
    await session.runtime.getThread({ userId, threadId });
  } catch (error) {
    if (!isDelegateError(error, "THREAD_NOT_FOUND")) {
      await session.close();
      throw logged(error, logger, logPath, "chat could not start");
    }
    found = false;
    // The last thread is gone (/forget, retention): start a fresh one, not a new one of its id.
    if (remembered !== undefined) threadId = newThreadId();
  }
  // A thread becomes the last one once it exists or something is sent on it (rememberingSends).
  if (found) state.remember(userId, threadId);
  // The verify redirect is accepted only for the user this REPL acts for (it follows /user).
  if (session.verifier) session.verifier.identity = { userId };
  const examples = session.environment.demoModel ? await demoExamples(config.enabledConnectors) : [];
  const notes: string[] = [];
  // A mistyped id, or another user's thread: say so rather than quietly start an empty one.
  if (!found && values.thread !== undefined) {
    notes.push(`No thread "${threadId}" of user ${userId} yet: this starts it (check --thread and --user).`);
  }
  if (session.environment.demoModel && config.tools === "catalog") {
    notes.push(
      "DELEGATE_TOOLS=catalog: the offline demo model knows only Delegate's own tools, so it will not use Scalekit's hosted ones. Set OPENAI_API_KEY for a model that does.",
    );
  }
  if (values.yes) {
    notes.push("--yes: every action the approval policy would ask about is approved without asking.");
  }
  if (values.open && !interactive)
    notes.push("(--open is ignored without a terminal: open the printed link yourself)");
  const sandbox = session.environment.sandbox;
  const verifier = session.verifier;
  const names = connectionNames(config.connectionOverrides);
  const repl = new ChatRepl({
    runtime: rememberingSends(session.runtime, state),
    identity: { userId },
    threadId,
    input: process.stdin,
    output: process.stdout,
    style,
    modeLabel: session.environment.modeLabel,
    scalekitInProcess: sandbox !== undefined,
    modelLabel: session.environment.modelLabel,
    dataDir: tildify(config.dataDir),
    ...(values["auto-approve"] && sandbox
      ? { autoApprove: (identity, connector) => sandbox.controls.approve(identity, connector) }
      : {}),
    autoOpen: values.open === true && interactive,
    ...(interactive ? { openUrl: openInBrowser } : {}),
    // With user verification the terminal shows start URLs on the loopback listener: opening one
    // binds that browser to the flow, and only that browser can finish it. The magic link itself
    // is never shown (DELEGATE_VERIFY=off shows it, as there is nothing to bind).
    ...(verifier
      ? {
          presentLink: (link) =>
            verifier.startUrl({
              url: link.url,
              expiresAt: link.expiresAt,
              stateNonce: link.stateNonce,
              connection:
                link.connection ?? (isConnectorId(link.connector) ? names[link.connector] : link.connector),
            }),
        }
      : {}),
    authTimeoutMs: timeoutSeconds * 1000,
    examples,
    notes,
    approveAll: values.yes === true,
    onThread: (identity) => {
      if (session.verifier) session.verifier.identity = identity;
    },
    logger,
    ...(logPath ? { logPath } : {}),
  });

  // Without a TTY readline does not see Ctrl+C: route the signal to the same handler. A second
  // one while shutting down leaves at once.
  const onSignal = () => {
    if (repl.exiting) process.exit(130);
    repl.interrupt();
  };
  // Last resort: a failure nobody caught is logged with its stack and reported in one line.
  const onCrash = (error: unknown) => {
    logger.error(
      { error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined },
      "chat crashed",
    );
    (logger as { flush?: () => void }).flush?.();
    process.stderr.write(
      `delegate: internal error: ${errorMessage(error).split("\n")[0]}${logPath ? ` (details in ${logPath})` : ""}\n`,
    );
    process.exit(1);
  };
  process.on("SIGINT", onSignal);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  try {
    return await repl.run();
  } catch (error) {
    throw logged(error, logger, logPath, "chat stopped");
  } finally {
    process.off("SIGINT", onSignal);
    await session
      .close()
      .catch((error: unknown) => logger.warn({ error: errorMessage(error) }, "closing the session failed"));
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
}

/**
 * Records a failure in the log file (secrets are redacted there) and returns what to throw:
 * errors a person can act on as they are (one line from main), anything else as an internal
 * error that points at the log, where its stack is.
 */
function logged(
  error: unknown,
  logger: CommandContext["logger"],
  logPath: string | undefined,
  message: string,
): unknown {
  if (DelegateError.isInstance(error) && error.code !== "INTERNAL") {
    logger.warn({ code: error.code, error: error.message }, message);
    return error;
  }
  if (error instanceof UsageError) return error;
  logger.error(
    { error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined },
    message,
  );
  return new DelegateError(
    "INTERNAL",
    `${errorMessage(error).split("\n")[0]}${logPath ? ` (details in ${logPath})` : ""}`,
    {
      cause: error,
    },
  );
}

async function openInBrowser(url: string): Promise<void> {
  const { default: open } = await import("open");
  await open(url);
}

/** A first request for each of the first enabled connectors the demo model knows. */
async function demoExamples(enabled: readonly ConnectorId[]): Promise<string[]> {
  const { DEMO_EXAMPLES } = await import("../../sandbox/index.js");
  const firsts: Partial<Record<ConnectorId, string | undefined>> = {
    gmail: DEMO_EXAMPLES.gmail[0],
    "google-calendar": DEMO_EXAMPLES["google-calendar"][0],
    slack: DEMO_EXAMPLES.slack[2],
    notion: DEMO_EXAMPLES.notion[0],
    outlook: DEMO_EXAMPLES.outlook[0],
  };
  return enabled
    .map((id) => firsts[id])
    .filter((example): example is string => typeof example === "string")
    .slice(0, 3);
}

function hostOf(url: string | undefined): string {
  try {
    return url ? new URL(url).host : "unknown";
  } catch {
    return url ?? "unknown";
  }
}

function tildify(path: string): string {
  const home = homedir();
  return home && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}
