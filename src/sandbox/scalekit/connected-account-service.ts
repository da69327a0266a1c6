import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import { ConnectedAccountService } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { requireConnection, requireIdentifier, resolveAccount } from "./account-lookup.js";
import { accountForList, accountWithCredentials, accountWithoutCredentials } from "./account-messages.js";
import { matchesScopeFilter, scopeOf } from "./account-scope.js";
import type { AccountRecord, AccountStore } from "./account-store.js";
import { credentialsFromDetails } from "./authorization-details.js";
import { accountNotFound, invalidArgument, scalekitError } from "./grpc-errors.js";
import { paginate } from "./pagination.js";

export { resolveAccount } from "./account-lookup.js";
export { ConnectedAccountService };

type ConnectedAccountServiceImpl = Partial<ServiceImpl<typeof ConnectedAccountService>>;

export interface ConnectedAccountServiceDependencies {
  store: AccountStore;
  baseUrl: () => string;
}

/** SearchConnectedAccountsRequest.query: "Must be at least 3 characters. Case insensitive." */
const MIN_SEARCH_LENGTH = 3;
/** SearchConnectedAccountsRequest.page_size: "Value must be between 1 and 30." */
const MAX_SEARCH_PAGE_SIZE = 30;

/** ConnectedAccountService as the SDK and the REST API use it; the end-user session RPCs answer Unimplemented. */
export function connectedAccountService({
  store,
  baseUrl,
}: ConnectedAccountServiceDependencies): ConnectedAccountServiceImpl {
  return {
    async listConnectedAccounts(request) {
      const names = new Set(request.connectionNames);
      const provider = request.provider.toLowerCase();
      const query = request.query.toLowerCase();
      const matches = store.list().filter(
        (account) =>
          // organization_id (1) and user_id (2) filter like every other field: an unrelated
          // organization lists nothing.
          matchesScopeFilter(account, request) &&
          (!request.identifier || account.identifier === request.identifier) &&
          (!request.connector || account.connection.name === request.connector) &&
          (names.size === 0 || names.has(account.connection.name)) &&
          (!provider || account.connection.provider.toLowerCase() === provider) &&
          (!query || searchText(account).includes(query)),
      );
      const page = paginate(matches, request.pageSize, request.pageToken);
      return {
        connectedAccounts: page.items.map(accountForList),
        totalSize: matches.length,
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },

    async searchConnectedAccounts(request) {
      const query = request.query.trim().toLowerCase();
      if (query.length < MIN_SEARCH_LENGTH) {
        throw invalidArgument(`query must be at least ${MIN_SEARCH_LENGTH} characters`);
      }
      if (request.pageSize > MAX_SEARCH_PAGE_SIZE) {
        throw invalidArgument(`page_size must be between 1 and ${MAX_SEARCH_PAGE_SIZE}`);
      }
      const matches = store
        .list()
        .filter(
          (account) =>
            (!request.connectionId || account.connection.id === request.connectionId) &&
            searchText(account).includes(query),
        );
      const page = paginate(matches, request.pageSize || MAX_SEARCH_PAGE_SIZE, request.pageToken);
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
      return { connectedAccount: accountWithoutCredentials(resolveAccount(store, request)) };
    },

    /** By id (GetConnectedAccountRequest.id, field 1); credentials stay behind GetConnectedAccountAuth. */
    async getConnectedAccount(request) {
      return { connectedAccount: accountWithoutCredentials(accountById(store, request.id)) };
    },

    /**
     * "Disconnects a connected account by setting its status to DISCONNECTED. The account record is
     * retained" (connected_accounts.proto). Its tokens stop working; the status change is a webhook.
     */
    async disconnectConnectedAccount(request) {
      const account = accountById(store, request.id);
      store.revoke(account);
      return { connectedAccount: accountWithoutCredentials(account) };
    },

    async createConnectedAccount(request) {
      const connection = requireConnection(store, request.connector);
      const key = {
        connection: connection.name,
        identifier: requireIdentifier(request.identifier),
        // CreateConnectedAccountRequest fields 1 and 2: the account belongs to this scope.
        ...scopeOf(request),
      };
      if (store.find(key) !== undefined) {
        throw scalekitError(Code.AlreadyExists, "connected account already exists", "ALREADY_EXISTS");
      }
      const credentials = credentialsFromDetails(connection, request.connectedAccount?.authorizationDetails);
      const account = store.create(key, connection, credentials);
      if (request.connectedAccount?.apiConfig !== undefined) {
        store.setApiConfig(account, request.connectedAccount.apiConfig);
      }
      return { connectedAccount: accountWithCredentials(account) };
    },

    async updateConnectedAccount(request) {
      const account = resolveAccount(store, request);
      const credentials = credentialsFromDetails(
        account.connection,
        request.connectedAccount?.authorizationDetails,
      );
      if (credentials !== undefined) store.applyCredentials(account, credentials);
      const apiConfig = request.connectedAccount?.apiConfig;
      if (apiConfig !== undefined) store.setApiConfig(account, apiConfig);
      if (credentials !== undefined || apiConfig !== undefined) store.markUpdated(account);
      return { connectedAccount: accountWithCredentials(account) };
    },

    async deleteConnectedAccount(request) {
      store.delete(resolveAccount(store, request));
      return {};
    },

    async getMagicLinkForConnectedAccount(request) {
      const verifyUrl = request.userVerifyUrl;
      if (verifyUrl && !(URL.canParse(verifyUrl) && /^https?:\/\/[^\s/]/.test(verifyUrl))) {
        throw invalidArgument("user_verify_url must be an absolute http(s) URL");
      }
      const account = resolveAccount(store, request);
      const link = store.issueLink(account, { state: request.state, userVerifyUrl: request.userVerifyUrl });
      return { link: link.url, expiry: timestampFromMs(link.expiresAt) };
    },

    async verifyConnectedAccountUser(request) {
      const outcome = store.verifyUser(request.authRequestId, request.identifier);
      if (outcome.kind === "not_found") {
        // VerifyConnectedAccountUserRequest.auth_request_id (field 1) names no pending flow, or one
        // already consumed: Scalekit answers 404 with exactly this message.
        throw scalekitError(Code.NotFound, "auth request not found or no longer valid", "NOT_FOUND");
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

function accountById(store: AccountStore, id: string): AccountRecord {
  if (!id) throw invalidArgument("id is required");
  const account = store.byId(id);
  if (account === undefined) throw accountNotFound();
  return account;
}

/** What List's `query` and Search match: identifier, connection name and provider, case-insensitively. */
function searchText(account: AccountRecord): string {
  return [account.identifier, account.connection.name, account.connection.provider].join("\n").toLowerCase();
}
