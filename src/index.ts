/**
 * Delegate's public API (`delegate-agent`). Everything exported here is supported surface;
 * anything else under `src/` is internal. The sandbox (emulators, demo model) lives on the
 * `delegate-agent/sandbox` subpath and `resolveEnvironment` on `delegate-agent/environment`;
 * this entry imports neither.
 */

export type { ApprovalMode, ApprovalsOption } from "./agent/approvals/policy.js";
export type { ToolAuditRecord } from "./agent/authorization-middleware.js";
export {
  type ApprovalRequest,
  type ApprovalTarget,
  type AuthorizationInterrupt,
  AuthorizationInterruptSchema,
  type AuthorizationRequest,
  type Decision,
  isAuthorizationInterrupt,
  type ResumeValue,
  ResumeValueSchema,
  type WaitReason,
} from "./agent/authorization-request.js";
export {
  type ContextBudgetOptions,
  DEFAULT_CONTEXT_TOKENS,
  type MessageTokenCounter,
} from "./agent/context-budget.js";
export { createDelegateAgent, type DelegateAgentOptions } from "./agent/create-delegate-agent.js";
export { createChatModel, type ModelChoice, type OpenAIModelSettings } from "./agent/model.js";
export type {
  AccountStatus,
  AgentAuth,
  AuthorizationLink,
  ConnectionState,
  Credentials,
  ExecuteToolRequest,
  ExecuteToolResult,
  HostedToolDefinition,
  LinkOptions,
  VerifiedUser,
} from "./auth/agent-auth.js";
export { CachedAgentAuth, type CacheOptions } from "./auth/cached-agent-auth.js";
export { type Identity, IdentitySchema, scalekitIdentifier } from "./auth/identity.js";
export {
  ScalekitAgentAuth,
  type ScalekitSettings,
  verifyScalekitWebhook,
} from "./auth/scalekit/scalekit-agent-auth.js";
export { loadVerificationKey } from "./auth/verification-key.js";
export { refusalStatus, type VerificationRefusal } from "./auth/verification-state.js";
export { type DelegateConfig, loadConfig } from "./config/env-config.js";
export type { ConnectorDefinition, ConnectorToolSpec } from "./connectors/connector-tool.js";
export { ALL_CONNECTORS } from "./connectors/index.js";
export type { RetryPolicy } from "./connectors/provider-client.js";
export {
  CONNECTOR_IDS,
  CONNECTORS,
  type ConnectionNames,
  type ConnectorId,
  type ConnectorInfo,
  connectionNames,
  connectorNamed,
  isConnectorId,
} from "./connectors/registry.js";
export { DelegateError, type DelegateErrorCode, errorMessage, isDelegateError } from "./errors.js";
export { type Logger, noopLogger } from "./logger.js";
export {
  type AgentRuntime,
  type AgentRuntimeOptions,
  type CallDecision,
  type ConnectionOverview,
  createAgentRuntime,
  type PendingAuthorizationView,
  type SendInput,
  type ThreadMessageView,
  type ThreadRef,
  type ThreadView,
  type VerificationOptions,
  type VerifyUserInput,
  type VerifyUserResult,
  type WaitingThreadView,
  type WebhookResult,
} from "./runtime/agent-runtime.js";
export type { PollSettings } from "./runtime/authorization-watcher.js";
export {
  CONSENT_COOKIE_PREFIX,
  ConsentBindings,
  type ConsentBindingsOptions,
  type ConsentClaim,
  type ConsentLink,
  type ConsentStart,
  consentCookieHeader,
} from "./runtime/consent-bindings.js";
export type { RuntimeEvent, RuntimeEventType } from "./runtime/events.js";
export type { RetentionOptions } from "./runtime/retention.js";
export type { CheckpointHistory } from "./runtime/thread-history.js";
export {
  type AccountChange,
  MAX_WEBHOOK_BYTES,
  WebhookHandler,
  type WebhookInput,
  type WebhookOutcome,
} from "./runtime/webhook-handler.js";
