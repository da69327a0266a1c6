import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { createChatModel } from "../agent/model.js";
import { loadPromptTemplate } from "../agent/system-prompt.js";
import { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../auth/scalekit-agent-auth.js";
import type { ConnectorDefinition } from "../connectors/connector-tool.js";
import { ALL_CONNECTORS } from "../connectors/index.js";
import {
  CONNECTOR_IDS,
  type ConnectionNames,
  type ConnectorId,
  connectionNames as resolveConnectionNames,
} from "../connectors/registry.js";
import type { Logger } from "../logger.js";
import type { Sandbox } from "../sandbox/start-sandbox.js";
import { serverLogger } from "./server-logger.js";
import { type ServerSettings, serverSettings } from "./server-settings.js";

/** Everything the graph factory needs that outlives one run: one per server process. */
export interface ServerEnvironment {
  settings: ServerSettings;
  /** Shared by every run, so the status/credential cache is warm across runs and users. */
  auth: CachedAgentAuth;
  model: BaseChatModel;
  modelLabel: string;
  promptTemplate: string;
  connectors: readonly ConnectorDefinition[];
  connectionNames: ConnectionNames;
  timeZone: string;
  baseUrls?: Partial<Record<ConnectorId, string>>;
  logger: Logger;
  /** Present when no SCALEKIT_ENV_URL is set: the in-process sandbox. */
  sandbox?: Sandbox;
}

let environment: Promise<ServerEnvironment> | undefined;

/**
 * The process-wide environment, built on first use. With no Scalekit environment configured it
 * starts the sandbox (Scalekit emulator and provider emulators on loopback) once per process,
 * so `npm run serve` works offline with no setup.
 */
export function serverEnvironment(): Promise<ServerEnvironment> {
  environment ??= buildEnvironment().catch((error: unknown) => {
    environment = undefined;
    throw error;
  });
  return environment;
}

async function buildEnvironment(): Promise<ServerEnvironment> {
  const settings = serverSettings();
  const { config } = settings;
  const logger = serverLogger();
  const names = resolveConnectionNames(config.connectionOverrides);
  const promptTemplate = await loadPromptTemplate();
  const { model, label } = createChatModel(config.openai, { timeZone: config.timeZone });

  let sandbox: Sandbox | undefined;
  let scalekit = config.scalekit;
  let baseUrls: Partial<Record<ConnectorId, string>> | undefined;
  if (!scalekit) {
    const { startSandbox } = await import("../sandbox/start-sandbox.js");
    sandbox = await startSandbox({ connections: config.connectionOverrides, timeZone: config.timeZone });
    scalekit = sandbox.settings;
    baseUrls = sandbox.providerBaseUrls;
    logger.info(
      {
        scalekitEmulator: sandbox.settings.environmentUrl,
        providerEmulators: sandbox.providers.url,
        users: settings.tokens.users,
        tokens:
          settings.tokenSource === "sandbox-default"
            ? "dev-alice, dev-bob (DELEGATE_SERVER_TOKENS unset)"
            : "DELEGATE_SERVER_TOKENS",
      },
      "Delegate runs on the local sandbox (SCALEKIT_ENV_URL unset): authorization links open the emulator's consent page",
    );
  } else if (config.providerBaseUrl) {
    const url = config.providerBaseUrl;
    baseUrls = Object.fromEntries(CONNECTOR_IDS.map((id) => [id, url]));
  }
  logger.info(
    { scalekit: sandbox ? "sandbox" : new URL(scalekit.environmentUrl).host, model: label },
    "Delegate graph environment ready",
  );

  return {
    settings,
    auth: new CachedAgentAuth(new ScalekitAgentAuth(scalekit)),
    model,
    modelLabel: label,
    promptTemplate,
    connectors: ALL_CONNECTORS.filter((connector) => config.enabledConnectors.includes(connector.id)),
    connectionNames: names,
    timeZone: config.timeZone,
    ...(baseUrls ? { baseUrls } : {}),
    logger,
    ...(sandbox ? { sandbox } : {}),
  };
}
