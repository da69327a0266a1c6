import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type ConnectedAccountForListSchema,
  type ConnectedAccountSchema,
  ConnectorType,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { ConnectorStatus } from "./account-status.js";
import type { AccountRecord } from "./account-store.js";
import type { AuthorizationKind } from "./connection-profiles.js";

/** Fields shared by ConnectedAccount and ConnectedAccountForList (no `$typeName`, so it fits both). */
function accountFields(account: AccountRecord) {
  return {
    id: account.id,
    identifier: account.identifier,
    provider: account.connection.provider,
    status: account.status,
    authorizationType: connectorType(account.connection.authorization),
    connector: account.connection.name,
    connectionId: account.connection.id,
    updatedAt: timestampFromMs(account.updatedAt),
    ...(account.tokenExpiresAt !== undefined && { tokenExpiresAt: timestampFromMs(account.tokenExpiresAt) }),
    ...(account.lastUsedAt !== undefined && { lastUsedAt: timestampFromMs(account.lastUsedAt) }),
  };
}

export function accountForList(
  account: AccountRecord,
): MessageInitShape<typeof ConnectedAccountForListSchema> {
  return accountFields(account);
}

/** The account without its credentials (GetConnectedAccountDetails, GetConnectedAccount, Disconnect). */
export function accountWithoutCredentials(
  account: AccountRecord,
): MessageInitShape<typeof ConnectedAccountSchema> {
  return {
    ...accountFields(account),
    ...(account.apiConfig !== undefined && { apiConfig: account.apiConfig }),
  };
}

/**
 * With `authorization_details` (field 5) when the account is ACTIVE: `oauth_token` for OAuth
 * accounts, `static_auth` for API key / bearer / basic ones.
 */
export function accountWithCredentials(
  account: AccountRecord,
): MessageInitShape<typeof ConnectedAccountSchema> {
  const message = accountWithoutCredentials(account);
  if (account.status !== ConnectorStatus.ACTIVE) return message;
  if (account.staticAuth !== undefined) {
    message.authorizationDetails = {
      details: { case: "staticAuth", value: { details: structuredClone(account.staticAuth) } },
    };
  } else if (account.accessToken !== undefined) {
    message.authorizationDetails = {
      details: {
        case: "oauthToken",
        value: {
          accessToken: account.accessToken,
          refreshToken: account.refreshToken ?? "",
          scopes: account.scopes,
        },
      },
    };
  }
  return message;
}

/** `ConnectedAccount.authorization_type` (field 4). */
function connectorType(kind: AuthorizationKind): ConnectorType {
  switch (kind) {
    case "OAUTH":
      return ConnectorType.OAUTH;
    case "API_KEY":
      return ConnectorType.API_KEY;
    case "BEARER_TOKEN":
      return ConnectorType.BEARER_TOKEN;
    case "BASIC_AUTH":
      return ConnectorType.BASIC_AUTH;
  }
}
