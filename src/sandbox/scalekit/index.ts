export type { AccountStatusName } from "./account-status.js";
export type { AccountSnapshot } from "./account-store.js";
export { escapeHtml } from "./consent-page.js";
export {
  type HostedTool,
  type HostedToolCall,
  HostedToolError,
  type HostedToolRegistry,
} from "./hosted-tools.js";
export {
  type CallCounter,
  type ConnectionOptions,
  DEFAULT_CONNECTIONS,
  type MagicLinkInfo,
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
} from "./scalekit-emulator.js";
export {
  type ConnectedAccountStatusEvent,
  generateWebhookSecret,
  STATUS_UPDATED_EVENT,
  signWebhook,
  type WebhookDelivery,
} from "./webhooks.js";
