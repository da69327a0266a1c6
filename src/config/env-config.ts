import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { readApprovals } from "../agent/approvals/approval-entries.js";
import type { ApprovalMode } from "../agent/approvals/policy.js";
import { TOOL_CONNECTORS } from "../connectors/index.js";
import type { ConnectorId } from "../connectors/registry.js";
import { DelegateError } from "../errors.js";
import {
  expandHome,
  isValidTimeZone,
  parseConnections,
  parseConnectors,
  parseContextTokens,
  parseMaxModelCalls,
  parsePollBudget,
  parseRetention,
} from "./env-values.js";

/** Delegate's configuration, resolved from the environment (the CLI loads `.env` first). */
export interface DelegateConfig {
  /** `sandbox` when SCALEKIT_ENV_URL is unset: everything runs against local emulators. */
  mode: "sandbox" | "scalekit";
  scalekit?: {
    environmentUrl: string;
    clientId: string;
    clientSecret: string;
    /** SCALEKIT_IDENTITY_FIELDS=off: send only the identifier, not organization_id/user_id. */
    identityFields?: boolean;
  };
  /** SCALEKIT_WEBHOOK_SECRET (`whsec_…`): verifies Scalekit's webhooks (the sandbox has its own). */
  webhookSecret?: string;
  /** Undefined means the offline demo model. */
  openai?: { apiKey?: string; baseUrl?: string; model: string };
  userId?: string;
  connectionOverrides: Partial<Record<ConnectorId, string>>;
  enabledConnectors: ConnectorId[];
  dataDir: string;
  logLevel: "silent" | "error" | "warn" | "info" | "debug";
  timeZone: string;
  /** One base URL for every connector's provider API (e.g. the providerUrl of `delegate sandbox --json`). */
  providerBaseUrl?: string;
  /** `direct` (Delegate's connector tools) or `catalog` (Scalekit-hosted tools). */
  tools: "direct" | "catalog";
  /** DELEGATE_APPROVALS: effect or tool → allow | ask | deny | auto, e.g. `write=ask,gmail_create_draft=allow`. */
  approvals?: Record<string, ApprovalMode>;
  /** DELEGATE_RETENTION_DAYS: threads idle this many days are deleted (off when unset). */
  retention?: { days: number };
  /** DELEGATE_POLL_BUDGET: Scalekit calls a second the watcher of waiting threads may make. */
  pollBudget?: number;
  /** DELEGATE_MAX_MODEL_CALLS: model calls one run may make before it stops (default 25). */
  maxModelCalls?: number;
  /** DELEGATE_CONTEXT_TOKENS: the model's token budget for the conversation; `false` (0 or off) sends it all. */
  context?: { maxTokens: number } | false;
  /** `token=user,…` for the LangGraph server's bearer auth (parsed in src/server). */
  serverTokens?: string;
  /** Opt-in: LangGraph Studio requests without a token act as this user (local development only). */
  serverStudioUser?: string;
  /**
   * DELEGATE_VERIFY: Scalekit user verification binds consent to the person (default `on`);
   * `off` for Scalekit environments without user verification configured.
   */
  verify: "on" | "off";
  /** DELEGATE_VERIFY_URL: the public URL of the LangGraph server's `/delegate/verify` route. */
  verifyUrl?: string;
  /** LANGGRAPH_API_URL, which `langgraphjs dev` sets to the server's own URL. */
  langgraphApiUrl?: string;
  /** DELEGATE_SANDBOX_INJECTIONS=1: the embedded sandbox also seeds its hostile corpus (prompt-injection demos). */
  sandboxInjections?: true;
  /** Settings that are valid but have no effect, one line each, for the CLI to show at startup. */
  warnings?: string[];
  /** How the CLI draws: from NO_COLOR, FORCE_COLOR and TERM (read here so no other module reads the environment). */
  terminal: TerminalSettings;
}

export interface TerminalSettings {
  /**
   * `never` when NO_COLOR is set to anything non-empty (https://no-color.org, it wins), `always`
   * when FORCE_COLOR is set and not "0"/"false", else `auto` (colour on a terminal only).
   */
  color?: "auto" | "always" | "never";
  /** TERM=dumb: no colour and no OSC 8 hyperlinks even on a terminal. */
  dumb?: boolean;
}

export const DEFAULT_OPENAI_MODEL = "gpt-4.1-mini";

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .optional()
  .transform((value) => (value === "" ? undefined : value));

/** An http(s) URL; `example` is one that fits the variable, for the error. */
const url = (name: string, example: string) =>
  optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s/]+/.test(value), {
    message: `${name} must be an http(s) URL, e.g. ${example}`,
  });

const EnvSchema = z.object({
  SCALEKIT_ENV_URL: url("SCALEKIT_ENV_URL", "https://your-env.scalekit.dev"),
  SCALEKIT_CLIENT_ID: optionalText,
  SCALEKIT_CLIENT_SECRET: optionalText,
  SCALEKIT_IDENTITY_FIELDS: optionalText.pipe(z.enum(["on", "off"]).optional()),
  SCALEKIT_WEBHOOK_SECRET: optionalText.refine((value) => value === undefined || value.startsWith("whsec_"), {
    message:
      "SCALEKIT_WEBHOOK_SECRET must be the signing secret Scalekit shows for your webhook endpoint (whsec_…).",
  }),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: url(
    "OPENAI_BASE_URL",
    "http://127.0.0.1:11434/v1 (a local Ollama) or https://api.openai.com/v1",
  ),
  OPENAI_MODEL: optionalText,
  DELEGATE_USER: optionalText,
  DELEGATE_CONNECTIONS: optionalText,
  DELEGATE_CONNECTORS: optionalText,
  DELEGATE_DATA_DIR: optionalText,
  DELEGATE_LOG_LEVEL: optionalText.pipe(z.enum(["silent", "error", "warn", "info", "debug"]).optional()),
  DELEGATE_TIMEZONE: optionalText,
  DELEGATE_PROVIDER_BASE_URL: url(
    "DELEGATE_PROVIDER_BASE_URL",
    "http://127.0.0.1:4010, the providerUrl `delegate sandbox --json` prints",
  ),
  DELEGATE_TOOLS: optionalText.pipe(z.enum(["direct", "catalog"]).optional()),
  DELEGATE_APPROVALS: optionalText,
  DELEGATE_RETENTION_DAYS: optionalText,
  DELEGATE_CONTEXT_TOKENS: optionalText,
  DELEGATE_MAX_MODEL_CALLS: optionalText,
  DELEGATE_POLL_BUDGET: optionalText,
  DELEGATE_SERVER_TOKENS: optionalText,
  DELEGATE_SERVER_STUDIO_USER: optionalText,
  DELEGATE_VERIFY: optionalText.pipe(z.enum(["on", "off"]).optional()),
  DELEGATE_VERIFY_URL: url("DELEGATE_VERIFY_URL", "https://delegate.example.com/delegate/verify"),
  DELEGATE_SANDBOX_INJECTIONS: optionalText.pipe(z.enum(["1", "0", "true", "false", "on", "off"]).optional()),
  LANGGRAPH_API_URL: url("LANGGRAPH_API_URL", "http://localhost:2024"),
  NO_COLOR: z.string().optional(),
  FORCE_COLOR: z.string().optional(),
  TERM: z.string().optional(),
});

/** The configuration's secrets, for every logger and error message to cut out. */
export function configSecrets(config: DelegateConfig): string[] {
  return [config.scalekit?.clientSecret, config.openai?.apiKey, config.webhookSecret].filter(
    (value): value is string => !!value,
  );
}

/**
 * Reads and validates the environment in one pass. Every problem is collected into one
 * CONFIG_INVALID error that names the variable and the fix; secret values are never echoed.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): DelegateConfig {
  const raw = pick(env);
  let parsed = EnvSchema.safeParse(raw);
  const problems: string[] = [];
  const invalid = new Set<string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      problems.push(
        name === "DELEGATE_LOG_LEVEL"
          ? "DELEGATE_LOG_LEVEL must be one of silent, error, warn, info, debug."
          : name === "DELEGATE_TOOLS"
            ? "DELEGATE_TOOLS must be direct (Delegate's connector tools) or catalog (Scalekit-hosted tools)."
            : name === "DELEGATE_VERIFY"
              ? "DELEGATE_VERIFY must be on (bind consent to the person with Scalekit user verification, the default) or off."
              : name === "SCALEKIT_IDENTITY_FIELDS"
                ? "SCALEKIT_IDENTITY_FIELDS must be on (send organization_id and user_id with the identifier, the default) or off."
                : issue.message.includes(name)
                  ? issue.message
                  : `${name}: ${issue.message}`,
      );
      // Drop the invalid value and keep checking the rest, so one error lists every problem.
      raw[name] = undefined;
      invalid.add(name);
    }
    parsed = EnvSchema.safeParse(raw);
    if (!parsed.success) throw configError(problems);
  }
  const values = parsed.data;

  let scalekit: DelegateConfig["scalekit"];
  const scalekitSet = [values.SCALEKIT_ENV_URL, values.SCALEKIT_CLIENT_ID, values.SCALEKIT_CLIENT_SECRET];
  if (scalekitSet.some((value) => value !== undefined)) {
    if (!values.SCALEKIT_ENV_URL && !invalid.has("SCALEKIT_ENV_URL")) {
      problems.push(
        "SCALEKIT_ENV_URL is missing: set it to your Scalekit environment URL (Dashboard → Developers → Settings), or unset SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET to use the sandbox.",
      );
    }
    if (!values.SCALEKIT_CLIENT_ID) {
      problems.push(
        "SCALEKIT_CLIENT_ID is missing: copy the client id from Dashboard → Developers → API credentials.",
      );
    }
    if (!values.SCALEKIT_CLIENT_SECRET) {
      problems.push(
        "SCALEKIT_CLIENT_SECRET is missing: copy the client secret from Dashboard → Developers → API credentials into .env (never pass it as an argument).",
      );
    }
    if (values.SCALEKIT_ENV_URL && values.SCALEKIT_CLIENT_ID && values.SCALEKIT_CLIENT_SECRET) {
      scalekit = {
        environmentUrl: values.SCALEKIT_ENV_URL,
        clientId: values.SCALEKIT_CLIENT_ID,
        clientSecret: values.SCALEKIT_CLIENT_SECRET,
        ...(values.SCALEKIT_IDENTITY_FIELDS === "off" ? { identityFields: false } : {}),
      };
    }
  }

  const connectionOverrides = parseConnections(values.DELEGATE_CONNECTIONS, problems);
  const connectorProblems: string[] = [];
  const enabledConnectors = parseConnectors(values.DELEGATE_CONNECTORS, connectorProblems);
  let approvals: Record<string, ApprovalMode> | undefined;
  if (values.DELEGATE_APPROVALS) {
    // Catalog tool names are known once Scalekit's catalog is listed, when the agent is built.
    const catalog = invalid.has("DELEGATE_TOOLS") || values.DELEGATE_TOOLS === "catalog";
    const read = readApprovals(values.DELEGATE_APPROVALS, {
      source: "DELEGATE_APPROVALS",
      ...(catalog ? {} : { tools: TOOL_CONNECTORS }),
      ...(connectorProblems.length === 0
        ? { enabled: { ids: enabledConnectors, source: "DELEGATE_CONNECTORS" } }
        : {}),
    });
    approvals = read.entries;
    problems.push(...read.problems);
  }
  problems.push(...connectorProblems);
  const retention = parseRetention(values.DELEGATE_RETENTION_DAYS, problems);
  const context = parseContextTokens(values.DELEGATE_CONTEXT_TOKENS, problems);
  const pollBudget = parsePollBudget(values.DELEGATE_POLL_BUDGET, problems);
  const maxModelCalls = parseMaxModelCalls(values.DELEGATE_MAX_MODEL_CALLS, problems);

  const dataDir = expandHome("DELEGATE_DATA_DIR", values.DELEGATE_DATA_DIR, problems);

  const timeZone = values.DELEGATE_TIMEZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isValidTimeZone(timeZone)) {
    problems.push(
      `DELEGATE_TIMEZONE "${timeZone}" is not an IANA time zone; use a name such as Europe/Berlin.`,
    );
  }

  if (problems.length > 0) throw configError(problems);

  const openai =
    values.OPENAI_API_KEY || values.OPENAI_BASE_URL
      ? {
          model: values.OPENAI_MODEL ?? DEFAULT_OPENAI_MODEL,
          ...(values.OPENAI_API_KEY ? { apiKey: values.OPENAI_API_KEY } : {}),
          ...(values.OPENAI_BASE_URL ? { baseUrl: values.OPENAI_BASE_URL } : {}),
        }
      : undefined;

  const warnings: string[] = [];
  if (values.OPENAI_MODEL && !openai) {
    warnings.push(
      `OPENAI_MODEL (${values.OPENAI_MODEL}) has no effect without OPENAI_API_KEY or OPENAI_BASE_URL: the offline demo model answers. Set one of them, or unset OPENAI_MODEL.`,
    );
  }
  if (scalekit && !values.DELEGATE_PROVIDER_BASE_URL && isLoopback(scalekit.environmentUrl)) {
    // Scalekit itself never runs on this machine; a standalone `delegate sandbox` does, and its
    // tokens are good only at its provider emulators.
    warnings.push(
      `SCALEKIT_ENV_URL (${scalekit.environmentUrl}) is on this machine, a standalone sandbox's, but DELEGATE_PROVIDER_BASE_URL is unset: the tools would call the real Google, Slack, Notion and Microsoft APIs with its tokens. Set DELEGATE_PROVIDER_BASE_URL to the sandbox's provider URL (it prints it).`,
    );
  }

  return {
    mode: scalekit ? "scalekit" : "sandbox",
    ...(scalekit ? { scalekit } : {}),
    ...(values.SCALEKIT_WEBHOOK_SECRET ? { webhookSecret: values.SCALEKIT_WEBHOOK_SECRET } : {}),
    ...(openai ? { openai } : {}),
    ...(values.DELEGATE_USER ? { userId: values.DELEGATE_USER } : {}),
    connectionOverrides,
    enabledConnectors,
    dataDir: dataDir ?? join(homedir(), ".delegate"),
    logLevel: values.DELEGATE_LOG_LEVEL ?? "info",
    timeZone,
    ...(values.DELEGATE_PROVIDER_BASE_URL ? { providerBaseUrl: values.DELEGATE_PROVIDER_BASE_URL } : {}),
    tools: values.DELEGATE_TOOLS ?? "direct",
    ...(approvals ? { approvals } : {}),
    ...(retention ? { retention } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(pollBudget !== undefined ? { pollBudget } : {}),
    ...(maxModelCalls !== undefined ? { maxModelCalls } : {}),
    ...(values.DELEGATE_SERVER_TOKENS ? { serverTokens: values.DELEGATE_SERVER_TOKENS } : {}),
    ...(values.DELEGATE_SERVER_STUDIO_USER ? { serverStudioUser: values.DELEGATE_SERVER_STUDIO_USER } : {}),
    verify: values.DELEGATE_VERIFY ?? "on",
    ...(values.DELEGATE_VERIFY_URL ? { verifyUrl: values.DELEGATE_VERIFY_URL } : {}),
    ...(values.LANGGRAPH_API_URL ? { langgraphApiUrl: values.LANGGRAPH_API_URL } : {}),
    ...(["1", "true", "on"].includes(values.DELEGATE_SANDBOX_INJECTIONS ?? "")
      ? { sandboxInjections: true as const }
      : {}),
    terminal: terminalSettings(values),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function terminalSettings(values: {
  NO_COLOR?: string | undefined;
  FORCE_COLOR?: string | undefined;
  TERM?: string | undefined;
}): TerminalSettings {
  const forced = values.FORCE_COLOR !== undefined && !["0", "false"].includes(values.FORCE_COLOR);
  const color = values.NO_COLOR ? "never" : forced ? "always" : "auto";
  return { color, ...(values.TERM === "dumb" ? { dumb: true } : {}) };
}

function pick(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) out[key] = env[key];
  return out;
}

function configError(problems: string[]): DelegateError {
  return new DelegateError(
    "CONFIG_INVALID",
    `Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    { details: { problems } },
  );
}

function isLoopback(url: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
