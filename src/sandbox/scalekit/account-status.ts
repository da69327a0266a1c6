import { ConnectorStatus } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";

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

export { ConnectorStatus };
