import type { ConnectorStatus as SdkConnectorStatus } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";

/**
 * The SDK's `ConnectorStatus` values (connected_accounts.proto), written out: the account store
 * then loads without the SDK's protobuf registry, which only the RPC layer needs (it is loaded on
 * the first request, off the path to the CLI's first prompt). `wire-enums.test.ts` holds every
 * value equal to the SDK's own enum.
 */
export const ConnectorStatus = {
  CONNECTION_STATUS_UNSPECIFIED: 0 as SdkConnectorStatus.CONNECTION_STATUS_UNSPECIFIED,
  ACTIVE: 1 as SdkConnectorStatus.ACTIVE,
  EXPIRED: 2 as SdkConnectorStatus.EXPIRED,
  PENDING_AUTH: 3 as SdkConnectorStatus.PENDING_AUTH,
  PENDING_VERIFICATION: 4 as SdkConnectorStatus.PENDING_VERIFICATION,
  DISCONNECTED: 5 as SdkConnectorStatus.DISCONNECTED,
} as const;
export type ConnectorStatus = SdkConnectorStatus;

/** The status names used in webhooks, snapshots and proto3-JSON. */
export type AccountStatusName =
  | "ACTIVE"
  | "EXPIRED"
  | "PENDING_AUTH"
  | "PENDING_VERIFICATION"
  | "DISCONNECTED";

const NAMES: Readonly<Record<number, AccountStatusName>> = {
  [ConnectorStatus.ACTIVE]: "ACTIVE",
  [ConnectorStatus.EXPIRED]: "EXPIRED",
  [ConnectorStatus.PENDING_AUTH]: "PENDING_AUTH",
  [ConnectorStatus.PENDING_VERIFICATION]: "PENDING_VERIFICATION",
  [ConnectorStatus.DISCONNECTED]: "DISCONNECTED",
};

export function statusName(status: ConnectorStatus): AccountStatusName {
  const name = NAMES[status];
  if (name === undefined) throw new Error(`unexpected connector status ${status}`);
  return name;
}
