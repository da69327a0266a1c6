import { configSecrets } from "../config/env-config.js";
import { type Environment, resolveEnvironment } from "../environment/index.js";
import { type Logger, WebhookHandler } from "../index.js";
import { type AgentAssembly, assembleAgent } from "../runtime/agent-assembly.js";
import { serverLogger } from "./server-logger.js";
import { type ServerSettings, serverSettings } from "./server-settings.js";

/** Everything the graph factory needs that outlives one run: one per server process. */
export interface ServerEnvironment {
  settings: ServerSettings;
  environment: Environment;
  /**
   * The agent, assembled from the environment's runtime options exactly as `createAgentRuntime`
   * assembles it (tools mode, cache, retry, approvals, context budget, connectors). Its cache is
   * shared by every run, so it is warm across runs and users.
   */
  agent: AgentAssembly;
  /**
   * Verifies Scalekit webhooks and invalidates the cache: those of the embedded sandbox in
   * process, real Scalekit's at `POST /delegate/webhooks/scalekit` (`webhook-route.ts`).
   */
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
  const logger = serverLogger(configSecrets(config));
  for (const warning of config.warnings ?? []) logger.warn({}, warning);
  const resolved = await resolveEnvironment(config);
  let agent: AgentAssembly;
  try {
    agent = await assembleAgent({ ...resolved.runtimeOptions, logger });
  } catch (error) {
    await resolved.close();
    throw error;
  }
  const webhooks = new WebhookHandler({
    secret: resolved.runtimeOptions.webhookSecret,
    auth: agent.auth,
    logger,
  });
  resolved.deliverWebhooks(async (input) => webhooks.handle(input));
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
  } else if (!resolved.runtimeOptions.webhookSecret) {
    logger.warn(
      {},
      "SCALEKIT_WEBHOOK_SECRET is not set: POST /delegate/webhooks/scalekit refuses every webhook (401), so a revoked or expired account is noticed only when its cached status lapses.",
    );
  }
  logger.info(
    { scalekit: resolved.modeLabel, model: resolved.modelLabel, tools: agent.tools },
    "Delegate graph environment ready",
  );
  return { settings, environment: resolved, agent, webhooks, logger };
}
