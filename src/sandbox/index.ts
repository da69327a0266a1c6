/**
 * `delegate-agent/sandbox`: the local, wire-compatible stand-ins Delegate runs on without credentials.
 * Never imported by the root entry point.
 */
export { DEMO_EXAMPLES, DemoChatModel } from "./demo-model/index.js";
export type {
  ProviderEmulator,
  ProviderHttpRequest,
  ProviderHttpResponse,
} from "./providers/provider-emulator.js";
export { type ProviderServer, startProviderServer } from "./providers/provider-server.js";
export type { SandboxControls } from "./sandbox-controls.js";
export * from "./scalekit/index.js";
export { type Sandbox, type SandboxEmulators, type SandboxOptions, startSandbox } from "./start-sandbox.js";
export type { TokenGrant, TokenVerifier } from "./token-grants.js";
