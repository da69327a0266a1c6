import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ConnectionService,
  ConnectionStatus,
  ConnectionType,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connections/connections_pb.js";
import type { AccountStore } from "./account-store.js";
import type { AuthorizationKind } from "./connection-profiles.js";
import { paginate } from "./pagination.js";

export { ConnectionService };

/** `actions.listConnections`: the configured connections, all enabled, each with its auth type. */
export function connectionService(
  store: AccountStore,
  startedAt: number,
): Partial<ServiceImpl<typeof ConnectionService>> {
  return {
    async listAppConnections(request) {
      const provider = request.provider?.toLowerCase() ?? "";
      const matches = store
        .connections()
        .filter((connection) => !provider || connection.provider.toLowerCase() === provider);
      const page = paginate(matches, request.pageSize, request.pageToken);
      return {
        connections: page.items.map((connection) => ({
          id: connection.id,
          type: connectionType(connection.authorization),
          status: ConnectionStatus.COMPLETED,
          enabled: true,
          providerKey: connection.provider.toLowerCase(),
          keyId: connection.name,
          uiButtonTitle: connection.displayName,
          createdAt: timestampFromMs(startedAt),
        })),
        totalSize: matches.length,
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },
  };
}

/** `Connection.type` of ListAppConnections, whose enum names the kinds differently (BASIC, BEARER). */
function connectionType(kind: AuthorizationKind): ConnectionType {
  switch (kind) {
    case "OAUTH":
      return ConnectionType.OAUTH;
    case "API_KEY":
      return ConnectionType.API_KEY;
    case "BEARER_TOKEN":
      return ConnectionType.BEARER;
    case "BASIC_AUTH":
      return ConnectionType.BASIC;
  }
}
