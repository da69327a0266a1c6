/**
 * `delegate-agent/environment`: configuration → a working environment (real Scalekit or the
 * embedded sandbox, the configured model or the offline demo model). The CLI, the LangGraph
 * server and the examples share it.
 */
export {
  type Environment,
  type ResolveEnvironmentOptions,
  resolveEnvironment,
  type WebhookReceiver,
} from "./resolve-environment.js";
