import { lazyRequire } from "../../lazy-require.js";

type ScalekitSdk = typeof import("@scalekit-sdk/node");

/**
 * The SDK, loaded when first needed: its entry loads axios, jose and every client, a good part
 * of a cold start, and nothing before a person's first request needs it. It is CommonJS, so
 * `require` gives the very module an `import` would.
 */
export const sdk = lazyRequire<ScalekitSdk>("@scalekit-sdk/node");

/**
 * The SDK's connected-account messages and enums (with them comes the protobuf registry), loaded
 * when first needed for the same reason: the very module the SDK's clients use.
 */
export const connectedAccountsProto = lazyRequire<
  typeof import("@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js")
>("@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js");

/** The protobuf runtime (`create`, timestamps) as the SDK's CommonJS build uses it, on first use. */
export const protobuf = lazyRequire<typeof import("@bufbuild/protobuf")>("@bufbuild/protobuf");
export const wellKnownTypes = lazyRequire<typeof import("@bufbuild/protobuf/wkt")>("@bufbuild/protobuf/wkt");

/** The Connect runtime the SDK's clients run on (for its `Code` enum), on first use. */
export const connectRuntime = lazyRequire<typeof import("@connectrpc/connect")>("@connectrpc/connect");

export type { ScalekitSdk };
