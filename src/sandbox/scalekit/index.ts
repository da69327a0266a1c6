export {
  type ConnectedAccountEventData,
  type ConnectedAccountEventEnvelope,
  type ConnectedAccountEventType,
  type ConnectedAccountStatusEvent,
  CREATED_EVENT,
  DELETED_EVENT,
  MAGIC_LINK_GENERATED_EVENT,
  STATUS_UPDATED_EVENT,
  TOKEN_REFRESH_SUCCEEDED_EVENT,
  UPDATED_EVENT,
} from "./account-events.js";
export type { AccountSnapshot } from "./account-snapshot.js";
export type { AccountStatusName } from "./account-status.js";
export { GrpcCode } from "./grpc-codes.js";
export {
  type HostedTool,
  type HostedToolCall,
  HostedToolError,
  type HostedToolRegistry,
} from "./hosted-tools.js";
export {
  type AccountScopeOptions,
  type ApproveOptions,
  type AuthorizationKind,
  type CallCounter,
  type ConnectionOptions,
  DEFAULT_CONNECTIONS,
  type MagicLinkInfo,
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
} from "./scalekit-emulator.js";
export {
  generateWebhookSecret,
  signWebhook,
  type WebhookDelivery,
  type WebhookFunction,
  type WebhookRequest,
} from "./webhooks.js";
