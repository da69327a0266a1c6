import type { ScalekitSettings } from "../auth/scalekit/scalekit-agent-auth.js";
import { CONNECTOR_IDS, type ConnectorId } from "../connectors/registry.js";
import { DelegateError } from "../errors.js";
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
  } else if (!("invoke" in given.model) && typeof given.model.model !== "string") {
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
  const connectors = [...(given.connectors ?? CONNECTOR_IDS)];
  const unknown = connectors.filter((id) => !CONNECTOR_IDS.includes(id));
  if (unknown.length > 0) {
    problems.push(
      `\`connectors\` names unknown connector(s) ${unknown.join(", ")}; known: ${CONNECTOR_IDS.join(", ")}.`,
    );
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
