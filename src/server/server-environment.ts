import { loadPromptTemplate } from "../agent/system-prompt.js";
import { listCatalog } from "../connectors/catalog.js";
import { type Environment, resolveEnvironment } from "../environment/index.js";
import {
  ALL_CONNECTORS,
  CachedAgentAuth,
  type ConnectionNames,
  type ConnectorDefinition,
  connectionNames,
  type HostedToolDefinition,
  type Logger,
  ScalekitAgentAuth,
  WebhookHandler,
} from "../index.js";
import { serverLogger } from "./server-logger.js";
import { type ServerSettings, serverSettings } from "./server-settings.js";

/** Everything the graph factory needs that outlives one run: one per server process. */
export interface ServerEnvironment {
  settings: ServerSettings;
  environment: Environment;
  /** Shared by every run, so the status/credential cache is warm across runs and users. */
  auth: CachedAgentAuth;
  promptTemplate: string;
  connectors: readonly ConnectorDefinition[];
  connectionNames: ConnectionNames;
  /** Catalog mode (DELEGATE_TOOLS=catalog): the hosted tool definitions, listed once. */
  catalog?: readonly HostedToolDefinition[];
  /** Verifies Scalekit webhooks and invalidates the cache (the `/delegate/webhooks/scalekit` route). */
  webhooks: WebhookHandler;
  logger: Logger;
}

let environment: Promise<ServerEnvironment> | undefined;

/**
 * The process-wide environment, built on first use with the same `resolveEnvironment` the CLI
 * uses: with no Scalekit environment configured it starts the sandbox once per process (whose
 * webhooks reach this server's cache, as Scalekit's would), so `npm run serve` works offline.
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
  const resolved = await resolveEnvironment(config);
  const names = connectionNames(config.connectionOverrides);
  const auth = new CachedAgentAuth(new ScalekitAgentAuth(resolved.scalekit));
  const webhooks = new WebhookHandler({ secret: resolved.runtimeOptions.webhookSecret, auth, logger });
  resolved.deliverWebhooks(async (input) => webhooks.handle(input));
  const [promptTemplate, catalog] = await Promise.all([
    loadPromptTemplate(),
    config.tools === "catalog"
      ? listCatalog({ auth, connectionNames: names, connectors: config.enabledConnectors })
      : Promise.resolve(undefined),
  ]);
  if (resolved.sandbox) {
    logger.info(
      {
        scalekitEmulator: resolved.scalekit.environmentUrl,
        providerEmulators: resolved.sandbox.providers.url,
        users: settings.tokens.users,
        tokens:
          settings.tokenSource === "sandbox-default"
            ? "dev-alice, dev-bob (DELEGATE_SERVER_TOKENS unset)"
            : "DELEGATE_SERVER_TOKENS",
      },
      "Delegate runs on the local sandbox (SCALEKIT_ENV_URL unset): authorization links open the emulator's consent page",
    );
  }
  logger.info(
    { scalekit: resolved.modeLabel, model: resolved.modelLabel, tools: config.tools },
    "Delegate graph environment ready",
  );
  return {
    settings,
    environment: resolved,
    auth,
    promptTemplate,
    connectors: ALL_CONNECTORS.filter((connector) => config.enabledConnectors.includes(connector.id)),
    connectionNames: names,
    ...(catalog ? { catalog } : {}),
    webhooks,
    logger,
  };
}
