import { statSync } from "node:fs";
import { resolve } from "node:path";
import { readApprovals } from "../agent/approvals/approval-entries.js";
import type { ScalekitSettings } from "../auth/scalekit/scalekit-agent-auth.js";
import { TOOL_CONNECTORS } from "../connectors/index.js";
import { CONNECTOR_IDS, type ConnectorId } from "../connectors/registry.js";
import { isValidTimeZone } from "../connectors/shared/time.js";
import { DelegateError } from "../errors.js";
import { DEFAULT_POLL, type PollSettings } from "./authorization-watcher.js";
import { DEFAULT_MAX_MESSAGE_CHARS } from "./runtime-inputs.js";
import type { AgentRuntimeOptions } from "./runtime-types.js";
import { historyOptionProblems } from "./thread-history.js";

/** Model calls one run may make unless `maxModelCalls` says otherwise. */
export const DEFAULT_MAX_MODEL_CALLS = 25;

export interface ValidatedOptions {
  connectors: ConnectorId[];
  /** Present unless an `agentAuth` was given. */
  scalekit?: ScalekitSettings;
}

/**
 * Checks `createAgentRuntime`'s options once, up front, and reports every problem in one
 * CONFIG_INVALID error that names each option and how to fix it. Secrets are never echoed.
 */
export function validateRuntimeOptions(options: AgentRuntimeOptions): ValidatedOptions {
  const problems: string[] = [];
  const given = (options ?? {}) as Partial<AgentRuntimeOptions>;
  if (!given.model) {
    problems.push(
      '`model` is required: pass a LangChain chat model (e.g. new ChatOpenAI(…)) or OpenAI settings ({ model: "gpt-4.1-mini", apiKey }). For an offline demo, pass the sandbox\'s DemoChatModel.',
    );
  } else if (
    typeof given.model !== "object" ||
    (!("invoke" in given.model) && typeof given.model.model !== "string")
  ) {
    problems.push('`model.model` must name the OpenAI model, e.g. { model: "gpt-4.1-mini" }.');
  }
  const scalekit = given.scalekit;
  if (!given.agentAuth) {
    if (!scalekit) {
      problems.push(
        "`scalekit` ({ environmentUrl, clientId, clientSecret }) or `agentAuth` is required. For local development, resolveEnvironment(loadConfig()) from delegate-agent/environment starts the sandbox and gives every option it needs (settings, providerBaseUrls, webhookSecret).",
      );
    } else {
      if (!scalekit.environmentUrl || !/^https?:\/\//.test(scalekit.environmentUrl)) {
        problems.push("`scalekit.environmentUrl` must be your Scalekit environment's http(s) URL.");
      }
      if (!scalekit.clientId) problems.push("`scalekit.clientId` is missing.");
      if (!scalekit.clientSecret) problems.push("`scalekit.clientSecret` is missing.");
    }
  }
  const listed = Array.isArray(given.connectors);
  if (given.connectors !== undefined && !listed) {
    problems.push(`\`connectors\` must be an array of connector ids, e.g. ["gmail", "slack"].`);
  }
  const connectors = listed ? [...(given.connectors as ConnectorId[])] : [...CONNECTOR_IDS];
  const unknown = connectors.filter((id) => !CONNECTOR_IDS.includes(id));
  if (unknown.length > 0) {
    problems.push(
      `\`connectors\` names unknown connector(s) ${unknown.join(", ")}; known: ${CONNECTOR_IDS.join(", ")}.`,
    );
  }
  if (given.approvals !== undefined) {
    // In catalog mode the tools are known once listed, when the agent is built.
    const direct = given.tools !== "catalog";
    const { problems: approvalProblems } = readApprovals(given.approvals, {
      source: "`approvals`",
      ...(direct ? { tools: TOOL_CONNECTORS } : {}),
      ...(unknown.length === 0 ? { enabled: { ids: connectors, source: "`connectors`" } } : {}),
    });
    problems.push(...approvalProblems);
  }
  if (given.tools !== undefined && given.tools !== "direct" && given.tools !== "catalog") {
    problems.push('`tools` must be "direct" or "catalog".');
  }
  const timeout = given.authorizationTimeoutMs;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    problems.push("`authorizationTimeoutMs` must be a positive number of milliseconds.");
  }
  const calls = given.maxModelCalls;
  if (calls !== undefined && !(Number.isInteger(calls) && calls > 0)) {
    problems.push(`\`maxModelCalls\` must be a whole number above 0 (default ${DEFAULT_MAX_MODEL_CALLS}).`);
  }
  const chars = given.maxMessageChars;
  if (chars !== undefined && !(Number.isInteger(chars) && chars > 0)) {
    problems.push(
      `\`maxMessageChars\` must be a whole number above 0 (default ${DEFAULT_MAX_MESSAGE_CHARS}).`,
    );
  }
  problems.push(...timeZoneProblems(given.timeZone));
  problems.push(...pollProblems(given.poll));
  problems.push(...webhookSecretProblems(given.webhookSecret));
  problems.push(...promptPathProblems(given.promptPath));
  problems.push(...verificationProblems(given.verification));
  problems.push(...historyOptionProblems(given));
  if (problems.length > 0) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Invalid createAgentRuntime options:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
      { details: { problems } },
    );
  }
  return { connectors, ...(given.agentAuth || !scalekit ? {} : { scalekit }) };
}

function verificationProblems(verification: AgentRuntimeOptions["verification"]): string[] {
  if (verification === undefined) return [];
  const problems: string[] = [];
  const { url, secret } = verification ?? {};
  if (typeof url === "string" ? !/^https?:\/\/[^\s/]+/.test(url) : typeof url !== "function") {
    problems.push(
      "`verification.url` must be the http(s) URL of your user-verify route (or a function returning it).",
    );
  }
  const bytes =
    typeof secret === "string" ? Buffer.byteLength(secret) : secret instanceof Uint8Array ? secret.length : 0;
  if (bytes < 32) {
    problems.push(
      "`verification.secret` must be a string or bytes of at least 32 bytes (e.g. randomBytes(32)).",
    );
  }
  return problems;
}

/** An unknown zone is accepted by nothing downstream: every turn would fail on it. */
function timeZoneProblems(timeZone: unknown): string[] {
  if (timeZone === undefined) return [];
  if (typeof timeZone === "string" && timeZone && isValidTimeZone(timeZone)) {
    try {
      // The system prompt formats with Intl, the tools with Temporal: both must know the zone.
      new Intl.DateTimeFormat("en-US", { timeZone });
      return [];
    } catch {}
  }
  const shown = typeof timeZone === "string" ? `"${timeZone.slice(0, 64)}"` : `a ${typeof timeZone}`;
  return [
    `\`timeZone\` ${shown} is not an IANA time zone: use one like "Europe/Paris" or "America/New_York" (or leave it out for the process's zone).`,
  ];
}

function pollProblems(poll: unknown): string[] {
  if (poll === undefined) return [];
  if (typeof poll !== "object" || poll === null || Array.isArray(poll)) {
    return ["`poll` must be an object of settings, e.g. { initialIntervalMs: 500, budgetPerSecond: 10 }."];
  }
  const problems: string[] = [];
  const given = poll as Record<string, unknown>;
  const known = Object.keys(DEFAULT_POLL);
  for (const key of Object.keys(given)) {
    if (!known.includes(key))
      problems.push(`\`poll\` has no setting "${key}"; its settings: ${known.join(", ")}.`);
  }
  const positive = (value: unknown): value is number =>
    typeof value === "number" && Number.isFinite(value) && value > 0;
  const units: Record<Exclude<keyof PollSettings, "backoff">, string> = {
    initialIntervalMs: "milliseconds",
    maxIntervalMs: "milliseconds",
    budgetPerSecond: "calls a second (a fraction is fine: 0.5 is one call every two seconds)",
    safetyNetIntervalMs: "milliseconds",
  };
  for (const [key, unit] of Object.entries(units)) {
    const value = given[key];
    if (value !== undefined && !positive(value)) {
      problems.push(
        `\`poll.${key}\` must be a positive number of ${unit} (default ${DEFAULT_POLL[key as keyof PollSettings]}).`,
      );
    }
  }
  const { backoff } = given;
  if (backoff !== undefined && !(positive(backoff) && backoff >= 1)) {
    problems.push(
      `\`poll.backoff\` must be a number of at least 1 (1 keeps the interval; default ${DEFAULT_POLL.backoff}).`,
    );
  }
  const initial = given.initialIntervalMs ?? DEFAULT_POLL.initialIntervalMs;
  const max = given.maxIntervalMs ?? DEFAULT_POLL.maxIntervalMs;
  if (positive(initial) && positive(max) && initial > max) {
    const which = given.maxIntervalMs === undefined ? ", the default" : "";
    problems.push(
      `\`poll.initialIntervalMs\` (${initial}) is above \`poll.maxIntervalMs\` (${max}${which}): raise maxIntervalMs to at least initialIntervalMs.`,
    );
  }
  return problems;
}

/**
 * Scalekit signs with a Standard Webhooks secret, `whsec_` + base64: the SDK's verifier splits
 * it at "_" and uses the base64 part as the key, so anything else answers every webhook 401.
 * Never echoed: it is a secret.
 */
function webhookSecretProblems(secret: unknown): string[] {
  if (secret === undefined) return [];
  const base64 = typeof secret === "string" ? /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)?.[1] : undefined;
  if (base64 && Buffer.from(base64, "base64").length > 0) return [];
  return [
    "`webhookSecret` must be the signing secret Scalekit shows for your webhook endpoint (whsec_ followed by base64), or be left out (webhooks are then refused and waiting threads resume by polling).",
  ];
}

/** A missing template would otherwise surface as a bare ENOENT from deep in start-up. */
function promptPathProblems(path: unknown): string[] {
  if (path === undefined) return [];
  if (typeof path !== "string" || !path) {
    return [
      "`promptPath` must be the path of your system prompt template (or be left out for the built-in one).",
    ];
  }
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch {
    stat = undefined; // e.g. a file named as a directory on the way (ENOTDIR)
  }
  if (stat?.isFile()) return [];
  return [
    `\`promptPath\` ${path} ${stat ? "is not a file" : "does not exist"} (resolved to ${resolve(path)}): pass the path of your system prompt template, or leave it out for the built-in one.`,
  ];
}
