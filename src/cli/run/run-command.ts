import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { DelegateConfig } from "../../config/env-config.js";
import type { CommandContext } from "../command-context.js";
import { colorsFor } from "../terminal-colors.js";
import { UsageError } from "../usage-error.js";
import { JsonlReporter } from "./jsonl-reporter.js";
import { PrettyReporter } from "./pretty-reporter.js";
import type { Reporter, RunSummary } from "./reporter.js";
import { formatProblem, type LoadedScript, loadScript, type ScriptProblem } from "./script-loader.js";
import { runScript, SANDBOX_ONLY_ACTIONS } from "./script-runner.js";
import {
  isAuthTurn,
  MODEL_CHOICES,
  type ModelChoice,
  ON_APPROVAL_POLICIES,
  ON_AUTH_POLICIES,
} from "./script-schema.js";

export const RUN_HELP = `Usage: delegate run <file…|-> [--model offline|openai] [--format pretty|jsonl]
                            [--on-auth approve|deny|wait|fail] [--on-approval approve|reject|fail]

Runs scripted conversations (YAML or JSON; "-" reads one from stdin), each on its own runtime
and sandbox, then checks their expectations.

  --model offline|openai   overrides the scripts' model (default: each script's, else offline)
  --format pretty|jsonl    a readable transcript (default) or one JSON event per line
  --on-auth POLICY         what to do when a turn needs an authorization no auth turn handles:
                           approve (sandbox default), deny, wait (default against Scalekit), fail
  --on-approval POLICY     what to do when calls wait for the person's approval (deleting, moving,
                           writing to someone they did not name) and no approve:/reject: turn
                           decides them: approve, reject, or fail (default)

Exit codes: 0 all expectations met · 1 an expectation failed · 2 invalid script or usage ·
3 --on-auth fail stopped a script at an authorization (its connections and links are printed as
JSON), or --on-approval fail at calls waiting for approval (printed as JSON); the other scripts
still run, and 1 wins over 3.`;

const EXIT_FAILED = 1;
const EXIT_INVALID = 2;
const EXIT_AUTHORIZATION = 3;

export async function runCommand(argv: string[], context: CommandContext): Promise<number> {
  let values: {
    model?: string;
    format?: string;
    "on-auth"?: string;
    "on-approval"?: string;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        model: { type: "string" },
        format: { type: "string" },
        "on-auth": { type: "string" },
        "on-approval": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run "delegate run --help".`);
  }
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  const { config, logger } = context;
  const model = choice(values.model, MODEL_CHOICES, "--model");
  const format = choice(values.format, ["pretty", "jsonl"] as const, "--format") ?? "pretty";
  const onAuth =
    choice(values["on-auth"], ON_AUTH_POLICIES, "--on-auth") ??
    (config.mode === "sandbox" ? "approve" : "wait");
  const onApproval = choice(values["on-approval"], ON_APPROVAL_POLICIES, "--on-approval") ?? "fail";
  if (positionals.length === 0)
    throw new UsageError(
      'Name at least one script, or "-" to read one from stdin. Run "delegate run --help".',
    );
  if (positionals.filter((file) => file === "-").length > 1)
    throw new UsageError('"-" (stdin) can be given only once.');
  if (model === "openai" && !config.openai) {
    throw new UsageError(
      "--model openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) in the environment or .env.",
    );
  }
  if (onAuth === "approve" && config.mode !== "sandbox") {
    throw new UsageError(
      "--on-auth approve only works on the sandbox; against a real Scalekit environment use --on-auth wait and consent in the browser, or --on-auth fail.",
    );
  }

  const loaded: LoadedScript[] = [];
  const problems: ScriptProblem[] = [];
  for (const file of positionals) {
    const name = file === "-" ? "<stdin>" : file;
    let text: string;
    try {
      text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    } catch (error) {
      console.error(
        `delegate: cannot read ${name}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
      );
      return EXIT_INVALID;
    }
    const result = loadScript(text, name);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const fit = environmentProblems(result.loaded, config, model);
    if (fit.length > 0) problems.push(...fit);
    else loaded.push(result.loaded);
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(formatProblem(problem));
    const files = new Set(problems.map((problem) => problem.file)).size;
    console.error(
      `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${files} script${files === 1 ? "" : "s"}; nothing was run.`,
    );
    return EXIT_INVALID;
  }

  const write = (text: string) => {
    process.stdout.write(text);
  };
  const reporter: Reporter =
    format === "jsonl"
      ? new JsonlReporter(write)
      : new PrettyReporter(write, colorsFor(process.stdout.isTTY === true, config.terminal));
  const summary: RunSummary = { scripts: 0, passed: 0, met: 0, failed: 0, stopped: 0 };
  for (const script of loaded) {
    const outcome = await runScript({
      loaded: script,
      config,
      logger,
      model: model ?? script.script.model,
      onAuth,
      onApproval,
      reporter,
      // The transcript already shows the links; JSON lines may be going to a program.
      ...(format === "jsonl" ? { tellPerson: (text: string) => console.error(`delegate: ${text}`) } : {}),
    });
    summary.scripts += 1;
    // A script that needs a person stops; the others still run, and the exit code says so.
    if (outcome.authorizationNeeded || outcome.approvalNeeded) {
      if (outcome.authorizationNeeded) reporter.authorizationNeeded(outcome.authorizationNeeded);
      if (outcome.approvalNeeded) reporter.approvalNeeded(outcome.approvalNeeded);
      summary.stopped += 1;
      continue;
    }
    reporter.scriptEnd(outcome.result);
    const failed = outcome.result.checks.filter((check) => !check.met).length;
    summary.passed += failed === 0 ? 1 : 0;
    summary.met += outcome.result.checks.length - failed;
    summary.failed += failed;
  }
  reporter.summary(summary);
  return summary.failed > 0 ? EXIT_FAILED : summary.stopped > 0 ? EXIT_AUTHORIZATION : 0;
}

/** Problems a valid script has with this environment, at the place in the script they are about. */
function environmentProblems(
  loaded: LoadedScript,
  config: DelegateConfig,
  model: ModelChoice | undefined,
): ScriptProblem[] {
  const { script } = loaded;
  const problems: ScriptProblem[] = [];
  const at = (path: (string | number)[], message: string) => problems.push(loaded.problem(path, message));
  if (model === undefined && script.model === "openai" && !config.openai) {
    at(
      ["model"],
      'model "openai" needs OPENAI_API_KEY (or OPENAI_BASE_URL) in the environment or .env; or run with --model offline',
    );
  }
  const enabled = new Set<string>(config.enabledConnectors);
  script.sandbox?.connected.forEach((connector, index) => {
    if (!enabled.has(connector))
      at(["sandbox", "connected", index], `connector "${connector}" is disabled by DELEGATE_CONNECTORS`);
  });
  script.turns.forEach((turn, index) => {
    if (!isAuthTurn(turn)) return;
    turn.connectors?.forEach((connector, position) => {
      if (!enabled.has(connector))
        at(
          ["turns", index, "connectors", position],
          `connector "${connector}" is disabled by DELEGATE_CONNECTORS`,
        );
    });
    if (config.mode !== "sandbox" && SANDBOX_ONLY_ACTIONS.has(turn.auth)) {
      at(
        ["turns", index, "auth"],
        `\`${turn.auth}\` needs the sandbox (it drives the local Scalekit emulator); against a real Scalekit environment the person acts in the browser: use \`wait\`, \`recheck\` or \`cancel\``,
      );
    }
  });
  return problems;
}

function choice<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, got "${value}".`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
