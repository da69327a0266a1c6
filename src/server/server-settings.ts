import type { Identity } from "../auth/identity.js";
import { type DelegateConfig, loadConfig } from "../config/env-config.js";
import { DelegateError } from "../errors.js";
import { parseTokenTable, parseUser, SANDBOX_DEFAULT_TOKENS, type TokenTable } from "./tokens.js";

/** What the LangGraph server entry points (auth handler and graph factory) share. */
export interface ServerSettings {
  config: DelegateConfig;
  tokens: TokenTable;
  /** `env`: DELEGATE_SERVER_TOKENS; `sandbox-default`: dev-alice/dev-bob; `none`: every request is refused. */
  tokenSource: "env" | "sandbox-default" | "none";
  /** DELEGATE_SERVER_STUDIO_USER: who LangGraph Studio requests without a token act as. */
  studioUser?: Identity;
  /** The public URL of `/delegate/verify` that links carry; absent only with DELEGATE_VERIFY=off. */
  verifyUrl?: string;
}

/** The custom route (`verify-route.ts`) Scalekit sends the browser to after consent. */
export const VERIFY_PATH = "/delegate/verify";

let cached: ServerSettings | undefined;

/** Reads the environment once per process (through `loadConfig`, the only reader of process.env). */
export function serverSettings(): ServerSettings {
  cached ??= resolveServerSettings(loadConfig());
  return cached;
}

export function resolveServerSettings(config: DelegateConfig): ServerSettings {
  let tokenSource: ServerSettings["tokenSource"];
  let table: string;
  if (config.serverTokens !== undefined) {
    tokenSource = "env";
    table = config.serverTokens;
  } else if (config.mode === "sandbox") {
    tokenSource = "sandbox-default";
    table = SANDBOX_DEFAULT_TOKENS;
  } else {
    tokenSource = "none";
    table = "";
  }
  const tokens = parseTokenTable(table);
  let studioUser: Identity | undefined;
  if (config.serverStudioUser !== undefined) {
    studioUser = parseUser(config.serverStudioUser);
    if (!studioUser) {
      throw new DelegateError(
        "CONFIG_INVALID",
        `Invalid configuration:\n  - DELEGATE_SERVER_STUDIO_USER "${config.serverStudioUser}" is not a user id or organization/user id.`,
      );
    }
  }
  const verifyUrl = serverVerifyUrl(config);
  return {
    config,
    tokens,
    tokenSource,
    ...(studioUser ? { studioUser } : {}),
    ...(verifyUrl ? { verifyUrl } : {}),
  };
}

/**
 * Where links send the browser after consent. `langgraphjs dev` (`npm run serve`) says where it
 * listens (LANGGRAPH_API_URL); behind a proxy, or started another way, DELEGATE_VERIFY_URL says
 * it. With neither, user verification cannot work: the server refuses to start rather than hand
 * out bearer links while the operator believes consent is bound to the person.
 */
function serverVerifyUrl(config: DelegateConfig): string | undefined {
  if (config.verify === "off") return undefined;
  if (config.verifyUrl) return config.verifyUrl;
  if (config.langgraphApiUrl) return `${config.langgraphApiUrl.replace(/\/+$/, "")}${VERIFY_PATH}`;
  throw new DelegateError(
    "CONFIG_INVALID",
    `Invalid configuration:\n  - User verification is on (DELEGATE_VERIFY), but the server does not know the public URL of its ${VERIFY_PATH} route (no DELEGATE_VERIFY_URL, no LANGGRAPH_API_URL). Set DELEGATE_VERIFY_URL to it (e.g. https://delegate.example.com${VERIFY_PATH}), or set DELEGATE_VERIFY=off for plain links that whoever opens them first completes.`,
  );
}
