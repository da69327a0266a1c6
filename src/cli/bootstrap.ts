import { join } from "node:path";
import type { DelegateConfig } from "../config/env-config.js";
import { CONNECTOR_IDS } from "../connectors/registry.js";
import type { Logger } from "../logger.js";
import { type AgentRuntime, type AgentRuntimeOptions, createAgentRuntime } from "../runtime/agent-runtime.js";
import type { Sandbox } from "../sandbox/index.js";

export interface Session {
  runtime: AgentRuntime;
  /** Present in sandbox mode. */
  sandbox?: Sandbox;
  /** "sandbox" or the Scalekit host. */
  modeLabel: string;
  close(): Promise<void>;
}

export interface SessionOptions {
  config: DelegateConfig;
  logger: Logger;
  databasePath?: string;
  overrides?: Partial<AgentRuntimeOptions>;
  /** Extra webhook receivers for the sandbox emulator. */
  webhookUrls?: string[];
}

/**
 * Builds the runtime the CLI commands share: on the embedded sandbox when no Scalekit
 * environment is configured, else against the configured Scalekit environment.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { config, logger } = options;
  let sandbox: Sandbox | undefined;
  let scalekit = config.scalekit;
  // A standalone sandbox (`delegate sandbox`) or a proxy can stand in for the providers' APIs.
  let providerBaseUrls: AgentRuntimeOptions["providerBaseUrls"] = config.providerBaseUrl
    ? Object.fromEntries(CONNECTOR_IDS.map((id) => [id, config.providerBaseUrl as string]))
    : undefined;
  let webhookSecret: string | undefined;
  if (!scalekit) {
    const { startSandbox } = await import("../sandbox/start-sandbox.js");
    sandbox = await startSandbox({
      connections: config.connectionOverrides,
      timeZone: config.timeZone,
      ...(options.webhookUrls ? { webhookUrls: options.webhookUrls } : {}),
    });
    scalekit = sandbox.settings;
    providerBaseUrls = sandbox.providerBaseUrls;
    webhookSecret = sandbox.webhookSecret;
  }
  try {
    const runtime = await createAgentRuntime({
      scalekit,
      ...(config.openai ? { model: config.openai } : {}),
      databaseUrl: options.databasePath ?? join(config.dataDir, "delegate.sqlite"),
      connectors: config.enabledConnectors,
      tools: config.tools,
      connections: config.connectionOverrides,
      timeZone: config.timeZone,
      logger,
      ...(providerBaseUrls ? { providerBaseUrls } : {}),
      ...(webhookSecret ? { webhookSecret } : {}),
      ...options.overrides,
    });
    return {
      runtime,
      ...(sandbox ? { sandbox } : {}),
      modeLabel: sandbox
        ? "sandbox (local Scalekit emulator)"
        : `Scalekit ${new URL(scalekit.environmentUrl).host}`,
      async close() {
        await runtime.close();
        await sandbox?.close();
      },
    };
  } catch (error) {
    await sandbox?.close();
    throw error;
  }
}
