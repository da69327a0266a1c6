/**
 * The one place that turns Delegate's configuration into a working environment, shared by the
 * CLI, the LangGraph server and the examples: the real Scalekit environment or the embedded
 * sandbox, the configured model or (only here) the offline demo model, and the runtime options
 * that follow from them. Core code never starts a sandbox or picks a model by itself.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import {
  type AgentRuntimeOptions,
  CONNECTOR_IDS,
  type ConnectorId,
  createChatModel,
  type DelegateConfig,
  type ScalekitSettings,
  type WebhookInput,
} from "../index.js";
import type { Sandbox } from "../sandbox/index.js";

/** Receives signed webhooks, as Scalekit would deliver them (e.g. `runtime.handleWebhook`). */
export type WebhookReceiver = (input: WebhookInput) => Promise<{ status: number }>;

export interface Environment {
  mode: "sandbox" | "scalekit";
  /** "sandbox (local Scalekit emulator)" or "Scalekit <host>", for banners and logs. */
  modeLabel: string;
  model: BaseChatModel;
  modelLabel: string;
  /** True when no model is configured and the sandbox's offline demo model answers. */
  demoModel: boolean;
  scalekit: ScalekitSettings;
  /** What `createAgentRuntime` needs from the environment (add storage, logger, hooks). */
  runtimeOptions: Pick<
    AgentRuntimeOptions,
    | "model"
    | "scalekit"
    | "connectors"
    | "connections"
    | "tools"
    | "timeZone"
    | "providerBaseUrls"
    | "webhookSecret"
    | "approvals"
    | "retention"
    | "context"
    | "poll"
    | "maxModelCalls"
  >;
  /** The embedded sandbox, when no Scalekit environment is configured. */
  sandbox?: Sandbox;
  /**
   * Has the embedded sandbox deliver its signed webhooks to `receiver`, as Scalekit delivers
   * them to a webhook endpoint. Against real Scalekit, webhooks arrive over HTTP instead, so this
   * does nothing. Returns a function that stops the delivery.
   */
  deliverWebhooks(receiver: WebhookReceiver): () => void;
  close(): Promise<void>;
}

export interface ResolveEnvironmentOptions {
  /** Extra webhook URLs for the sandbox's emulator (e.g. an embedded server's endpoint). */
  webhookUrls?: string[];
  /** The sandbox's clock (tests). */
  now?: () => Date;
}

export async function resolveEnvironment(
  config: DelegateConfig,
  options: ResolveEnvironmentOptions = {},
): Promise<Environment> {
  let sandbox: Sandbox | undefined;
  let scalekit = config.scalekit;
  // A standalone sandbox (`delegate sandbox`) or a proxy can stand in for the providers' APIs.
  let providerBaseUrls: Partial<Record<ConnectorId, string>> | undefined = config.providerBaseUrl
    ? Object.fromEntries(CONNECTOR_IDS.map((id) => [id, config.providerBaseUrl as string]))
    : undefined;
  let webhookSecret = config.webhookSecret;
  if (!scalekit) {
    const { startSandbox } = await import("../sandbox/index.js");
    sandbox = await startSandbox({
      connections: config.connectionOverrides,
      timeZone: config.timeZone,
      ...(config.sandboxInjections ? { injections: true } : {}),
      ...(options.webhookUrls ? { webhookUrls: options.webhookUrls } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    scalekit = sandbox.settings;
    providerBaseUrls = sandbox.providerBaseUrls;
    webhookSecret = sandbox.webhookSecret;
  }
  try {
    const { model, modelLabel, demoModel } = await chooseModel(config, options.now);
    const embedded = sandbox;
    return {
      mode: embedded ? "sandbox" : "scalekit",
      modeLabel: embedded
        ? "sandbox (local Scalekit emulator)"
        : `Scalekit ${new URL(scalekit.environmentUrl).host}`,
      model,
      modelLabel,
      demoModel,
      scalekit,
      runtimeOptions: {
        model,
        scalekit,
        connectors: config.enabledConnectors,
        connections: config.connectionOverrides,
        tools: config.tools,
        timeZone: config.timeZone,
        ...(config.approvals ? { approvals: config.approvals } : {}),
        ...(config.retention ? { retention: config.retention } : {}),
        ...(config.context !== undefined ? { context: config.context } : {}),
        ...(config.pollBudget !== undefined ? { poll: { budgetPerSecond: config.pollBudget } } : {}),
        ...(config.maxModelCalls !== undefined ? { maxModelCalls: config.maxModelCalls } : {}),
        ...(providerBaseUrls ? { providerBaseUrls } : {}),
        ...(webhookSecret ? { webhookSecret } : {}),
      },
      ...(embedded ? { sandbox: embedded } : {}),
      deliverWebhooks(receiver) {
        return embedded ? embedded.deliverWebhooks(receiver) : () => {};
      },
      async close() {
        await embedded?.close();
      },
    };
  } catch (error) {
    await sandbox?.close();
    throw error;
  }
}

/** The configured OpenAI (-compatible) model, else the sandbox's offline demo model. */
async function chooseModel(
  config: DelegateConfig,
  now: (() => Date) | undefined,
): Promise<{ model: BaseChatModel; modelLabel: string; demoModel: boolean }> {
  if (config.openai) {
    const { model, label } = await createChatModel(config.openai);
    return { model, modelLabel: label, demoModel: false };
  }
  const { DemoChatModel } = await import("../sandbox/index.js");
  return {
    model: new DemoChatModel({ timeZone: config.timeZone, ...(now ? { now } : {}) }),
    modelLabel: `${DemoChatModel.displayName} (set OPENAI_API_KEY for a real model)`,
    demoModel: true,
  };
}
