import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import {
  type AuthorizationDetails,
  type ConnectedAccountForListSchema,
  type ConnectedAccountSchema,
  ConnectedAccountService,
  ConnectorStatus,
  ConnectorType,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import type { AccountRecord, AccountStore, ConnectionProfile, Credentials } from "./account-store.js";
import { accountNotFound, connectionNotFound, invalidArgument, scalekitError } from "./grpc-errors.js";
import { paginate } from "./pagination.js";

export { ConnectedAccountService };

type ConnectedAccountServiceImpl = Partial<ServiceImpl<typeof ConnectedAccountService>>;

export interface ConnectedAccountServiceDependencies {
  store: AccountStore;
  baseUrl: () => string;
}

/** The subset of ConnectedAccountService the SDK wraps; the rest answer Unimplemented. */
export function connectedAccountService({
  store,
  baseUrl,
}: ConnectedAccountServiceDependencies): ConnectedAccountServiceImpl {
  return {
    async listConnectedAccounts(request) {
      const names = new Set(request.connectionNames);
      const provider = request.provider.toLowerCase();
      const matches = store
        .list()
        .filter(
          (account) =>
            (!request.identifier || account.identifier === request.identifier) &&
            (!request.connector || account.connection.name === request.connector) &&
            (names.size === 0 || names.has(account.connection.name)) &&
            (!provider || account.connection.provider.toLowerCase() === provider) &&
            (!request.query ||
              account.identifier.includes(request.query) ||
              account.connection.name.includes(request.query)),
        );
      const page = paginate(matches, request.pageSize, request.pageToken);
      return {
        connectedAccounts: page.items.map(accountForList),
        totalSize: matches.length,
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },

    async getConnectedAccountAuth(request) {
      const account = resolveAccount(store, request);
      // Scalekit keeps tokens fresh: reading credentials refreshes a lapsed access token.
      store.refreshIfExpired(account);
      return { connectedAccount: accountWithCredentials(account) };
    },

    async getConnectedAccountDetails(request) {
      return { connectedAccount: accountFields(resolveAccount(store, request)) };
    },

    async createConnectedAccount(request) {
      const connection = requireConnection(store, request.connector);
      const identifier = requireIdentifier(request.identifier);
      if (store.find(identifier, connection.name) !== undefined) {
        throw scalekitError(Code.AlreadyExists, "connected account already exists", "ALREADY_EXISTS");
      }
      const details = request.connectedAccount?.authorizationDetails;
      const account = store.create(identifier, connection, credentialsFrom(details));
      if (request.connectedAccount?.apiConfig !== undefined) {
        store.setApiConfig(account, request.connectedAccount.apiConfig);
      }
      return { connectedAccount: accountWithCredentials(account) };
    },

    async updateConnectedAccount(request) {
      const account = resolveAccount(store, request);
      const credentials = credentialsFrom(request.connectedAccount?.authorizationDetails);
      if (credentials !== undefined) store.applyCredentials(account, credentials);
      if (request.connectedAccount?.apiConfig !== undefined) {
        store.setApiConfig(account, request.connectedAccount.apiConfig);
      }
      return { connectedAccount: accountWithCredentials(account) };
    },

    async deleteConnectedAccount(request) {
      store.delete(resolveAccount(store, request));
      return {};
    },

    async getMagicLinkForConnectedAccount(request) {
      const account = resolveAccount(store, request);
      const link = store.issueLink(account, {
        ...(request.state !== undefined && { state: request.state }),
        ...(request.userVerifyUrl !== undefined && { userVerifyUrl: request.userVerifyUrl }),
      });
      return { link: link.url, expiry: timestampFromMs(link.expiresAt) };
    },

    async verifyConnectedAccountUser(request) {
      const outcome = store.verifyUser(request.authRequestId, request.identifier);
      if (outcome.kind === "not_found") {
        throw scalekitError(Code.NotFound, "no pending verification for this auth request", "NOT_FOUND");
      }
      if (outcome.kind === "mismatch") {
        throw scalekitError(Code.PermissionDenied, "identifier does not match the auth request", "FORBIDDEN");
      }
      const redirect = new URL(`${baseUrl()}/connected`);
      redirect.searchParams.set("connection", outcome.account.connection.name);
      return { postUserVerifyRedirectUrl: redirect.toString() };
    },
  };
}

interface AccountLocator {
  id?: string | undefined;
  connector?: string | undefined;
  identifier?: string | undefined;
}

/** By id, or by connection name + identifier, as every account RPC addresses one. */
export function resolveAccount(store: AccountStore, locator: AccountLocator): AccountRecord {
  if (locator.id) {
    const account = store.byId(locator.id);
    if (account === undefined) throw accountNotFound();
    return account;
  }
  const connection = requireConnection(store, locator.connector);
  const account = store.find(requireIdentifier(locator.identifier), connection.name);
  if (account === undefined) throw accountNotFound();
  return account;
}

export function requireConnection(store: AccountStore, name: string | undefined): ConnectionProfile {
  if (!name) throw invalidArgument("connector is required");
  const connection = store.connection(name);
  if (connection === undefined) throw connectionNotFound(name);
  return connection;
}

function requireIdentifier(identifier: string | undefined): string {
  if (!identifier) throw invalidArgument("identifier is required");
  return identifier;
}

function credentialsFrom(details: AuthorizationDetails | undefined): Credentials | undefined {
  // The SDK's getOrCreate sends an empty OauthToken; only a real access token counts.
  if (details?.details.case !== "oauthToken" || !details.details.value.accessToken) return undefined;
  const token = details.details.value;
  return {
    accessToken: token.accessToken,
    refreshToken: token.refreshToken || undefined,
    scopes: token.scopes.length > 0 ? token.scopes : undefined,
  };
}

/** Fields shared by ConnectedAccount and ConnectedAccountForList (no `$typeName`, so it fits both). */
function accountFields(account: AccountRecord) {
  return {
    id: account.id,
    identifier: account.identifier,
    provider: account.connection.provider,
    status: account.status,
    authorizationType: ConnectorType.OAUTH,
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

/** Credentials are only handed out for ACTIVE accounts. */
function accountWithCredentials(account: AccountRecord): MessageInitShape<typeof ConnectedAccountSchema> {
  const message: MessageInitShape<typeof ConnectedAccountSchema> = {
    ...accountFields(account),
    ...(account.apiConfig !== undefined && { apiConfig: account.apiConfig }),
  };
  if (account.status === ConnectorStatus.ACTIVE && account.accessToken !== undefined) {
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
