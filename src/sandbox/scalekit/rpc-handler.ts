import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { AccountStore } from "./account-store.js";
import { ConnectedAccountService, connectedAccountService } from "./connected-account-service.js";
import { ConnectionService, connectionService } from "./connection-service.js";
import type { RequestHandler } from "./dual-protocol-server.js";
import type { EventLog } from "./event-log.js";
import { EventsService, eventsService } from "./events-service.js";
import { type CallGateDependencies, callGate } from "./grpc-interceptor.js";
import type { HostedTool } from "./hosted-tools.js";
import { ToolService, toolService } from "./tool-service.js";

export interface RpcHandlerOptions {
  store: AccountStore;
  baseUrl: () => string;
  tools: () => ReadonlyMap<string, HostedTool>;
  /** When the environment started (ListAppConnections reports it as the connections' creation). */
  startedAt: number;
  eventLog: EventLog;
  /** Authentication, the call log and injected faults, for every RPC. */
  gate: CallGateDependencies;
  /** Everything that is not one of the RPCs: the token endpoint, consent pages, the proxy. */
  fallback: NonNullable<Parameters<typeof connectNodeAdapter>[0]["fallback"]>;
}

/** The Scalekit services the SDK calls, over Connect, gRPC and gRPC-Web, as one request handler. */
export function rpcHandler(options: RpcHandlerOptions): RequestHandler {
  const { store, eventLog } = options;
  return connectNodeAdapter({
    routes(router) {
      router.service(ConnectedAccountService, connectedAccountService({ store, baseUrl: options.baseUrl }));
      router.service(ToolService, toolService({ store, tools: options.tools }));
      router.service(ConnectionService, connectionService(store, options.startedAt));
      router.service(EventsService, eventsService(eventLog));
    },
    interceptors: [callGate(options.gate)],
    fallback: options.fallback,
  }) as RequestHandler;
}
