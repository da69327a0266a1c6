import type { JsonObject } from "@bufbuild/protobuf";
import { type AccountStatusName, statusName } from "./account-status.js";
import type { AccountRecord } from "./account-store.js";
import type { AuthorizationKind } from "./connection-profiles.js";

/** A plain, detached copy for tests and tooling. */
export interface AccountSnapshot {
  id: string;
  identifier: string;
  /** "" when the account is not organization-scoped. */
  organizationId: string;
  /** "" when the account is not user-scoped. */
  userId: string;
  connection: string;
  connectionId: string;
  provider: string;
  authorizationType: AuthorizationKind;
  status: AccountStatusName;
  scopes: string[];
  accessToken?: string;
  refreshToken?: string;
  staticAuth?: JsonObject;
  tokenExpiresAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt?: Date;
}

export function snapshotOf(account: AccountRecord): AccountSnapshot {
  return {
    id: account.id,
    identifier: account.identifier,
    organizationId: account.organizationId,
    userId: account.userId,
    connection: account.connection.name,
    connectionId: account.connection.id,
    provider: account.connection.provider,
    authorizationType: account.connection.authorization,
    status: statusName(account.status),
    scopes: [...account.scopes],
    ...(account.accessToken !== undefined && { accessToken: account.accessToken }),
    ...(account.refreshToken !== undefined && { refreshToken: account.refreshToken }),
    ...(account.staticAuth !== undefined && { staticAuth: structuredClone(account.staticAuth) }),
    ...(account.tokenExpiresAt !== undefined && { tokenExpiresAt: new Date(account.tokenExpiresAt) }),
    createdAt: new Date(account.createdAt),
    updatedAt: new Date(account.updatedAt),
    ...(account.lastUsedAt !== undefined && { lastUsedAt: new Date(account.lastUsedAt) }),
  };
}
