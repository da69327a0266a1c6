import { join } from "node:path";
import type { Environment } from "../environment/index.js";
import { resolveEnvironment } from "../environment/index.js";
import {
  type AgentRuntime,
  type AgentRuntimeOptions,
  createAgentRuntime,
  type DelegateConfig,
  type Logger,
} from "../index.js";

export interface Session {
  runtime: AgentRuntime;
  environment: Environment;
  close(): Promise<void>;
}

export interface SessionOptions {
  config: DelegateConfig;
  logger: Logger;
  databasePath?: string;
  overrides?: Partial<AgentRuntimeOptions>;
}

/**
 * The runtime the CLI commands share, over the environment `resolveEnvironment` picks: the
 * embedded sandbox (whose webhooks go to the runtime, as Scalekit's would) when no Scalekit
 * environment is configured, else the configured one.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { config, logger } = options;
  const environment = await resolveEnvironment(config);
  try {
    const runtime = await createAgentRuntime({
      ...environment.runtimeOptions,
      databaseUrl: options.databasePath ?? join(config.dataDir, "delegate.sqlite"),
      logger,
      ...options.overrides,
    });
    const stopWebhooks = environment.deliverWebhooks((input) => runtime.handleWebhook(input));
    return {
      runtime,
      environment,
      async close() {
        stopWebhooks();
        await runtime.close();
        await environment.close();
      },
    };
  } catch (error) {
    await environment.close();
    throw error;
  }
}
