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
}

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
  return { config, tokens, tokenSource, ...(studioUser ? { studioUser } : {}) };
}
