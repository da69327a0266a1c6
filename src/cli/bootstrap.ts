import { join } from "node:path";
import type { Environment } from "../environment/index.js";
import { resolveEnvironment } from "../environment/index.js";
import {
  type AgentRuntime,
  type AgentRuntimeOptions,
  createAgentRuntime,
  type DelegateConfig,
  type Logger,
  loadVerificationKey,
} from "../index.js";
import { VerifyListener } from "./chat/verify-listener.js";

export interface Session {
  runtime: AgentRuntime;
  environment: Environment;
  /** The loopback listener that serves Scalekit's user-verify redirect (with `verifyOnLoopback`). */
  verifier?: VerifyListener;
  close(): Promise<void>;
}

export interface SessionOptions {
  config: DelegateConfig;
  logger: Logger;
  databasePath?: string;
  overrides?: Partial<AgentRuntimeOptions>;
  /**
   * Bind consent to this machine (the REPL): links carry a loopback listener's verify URL and a
   * state signed with `<data dir>/verification.key`. Off when DELEGATE_VERIFY=off.
   */
  verifyOnLoopback?: boolean;
}

/**
 * The runtime the CLI commands share, over the environment `resolveEnvironment` picks: the
 * embedded sandbox (whose webhooks go to the runtime, as Scalekit's would) when no Scalekit
 * environment is configured, else the configured one.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { config, logger } = options;
  const environment = await resolveEnvironment(config);
  let verifier: VerifyListener | undefined;
  try {
    let runtime: AgentRuntime | undefined;
    if (options.verifyOnLoopback && config.verify === "on") {
      verifier = new VerifyListener({
        verify: (input, identity) => {
          if (!runtime) throw new Error("Delegate is still starting");
          return runtime.verifyUser({ ...input, ...identity });
        },
        logger,
      });
    }
    const listener = verifier;
    runtime = await createAgentRuntime({
      ...environment.runtimeOptions,
      databaseUrl: options.databasePath ?? join(config.dataDir, "delegate.sqlite"),
      logger,
      ...(listener
        ? {
            verification: {
              url: () => listener.url(),
              secret: loadVerificationKey(join(config.dataDir, "verification.key")),
            },
          }
        : {}),
      ...options.overrides,
    });
    const started = runtime;
    const stopWebhooks = environment.deliverWebhooks((input) => started.handleWebhook(input));
    return {
      runtime: started,
      environment,
      ...(listener ? { verifier: listener } : {}),
      async close() {
        stopWebhooks();
        await listener?.close();
        await started.close();
        await environment.close();
      },
    };
  } catch (error) {
    await verifier?.close();
    await environment.close();
    throw error;
  }
}
