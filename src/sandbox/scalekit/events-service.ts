import type { JsonObject } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  EventsService,
  ObjectType,
  Source,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/events/events_pb.js";
import { type EventLog, InvalidCursorError } from "./event-log.js";
import { invalidArgument } from "./grpc-errors.js";

export { EventsService };

/** ListEventsPaginated: "Page size defaults to 10 and is clamped to 100" (events.proto). */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

/**
 * The SDK 2.11 `client.events.listEventsPaginated(pageSize, pageToken, filter)`: the recorded
 * connected-account events, newest first, with cursor tokens and no total (as the real RPC).
 */
export function eventsService(log: EventLog): Partial<ServiceImpl<typeof EventsService>> {
  return {
    async listEventsPaginated(request) {
      const filter = request.filter;
      const startTime = filter?.startTime === undefined ? undefined : timestampMs(filter.startTime);
      const endTime = filter?.endTime === undefined ? undefined : timestampMs(filter.endTime);
      // Documented 400: "start_time is after end_time".
      if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
        throw invalidArgument("start_time is after end_time");
      }
      const pageSize = request.pageSize > 0 ? Math.min(request.pageSize, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
      // Only connected-account events are recorded: a filter on auth requests, interceptors or
      // directory sync (EventFilter fields 5–9) matches none of them.
      const unmatchable =
        !!filter?.authRequestId ||
        !!filter?.interceptorId ||
        !!filter?.interceptorStatus ||
        !!filter?.interceptorDecision ||
        (filter?.source !== undefined &&
          filter.source !== Source.SOURCE_UNSPECIFIED &&
          filter.source !== Source.SCALEKIT);
      let page: ReturnType<EventLog["page"]>;
      try {
        page = log.page(
          {
            eventTypes: filter?.eventTypes ?? [],
            startTime,
            endTime,
            organizationId: filter?.organizationId,
            connectionId: filter?.connectionId,
            connectedAccountId: filter?.connectedAccountId,
          },
          pageSize,
          request.pageToken,
        );
      } catch (error) {
        if (error instanceof InvalidCursorError) throw invalidArgument("page_token is malformed");
        throw error;
      }
      if (unmatchable) return { events: [], nextPageToken: "", prevPageToken: "" };
      return {
        events: page.events.map(({ envelope, occurredAt }) => ({
          specVersion: envelope.spec_version,
          id: envelope.id,
          type: envelope.type,
          occurredAt: timestampFromMs(occurredAt),
          environmentId: envelope.environment_id,
          ...(envelope.organization_id !== undefined && { organizationId: envelope.organization_id }),
          object: ObjectType.ConnectedAccount,
          data: { ...envelope.data } as JsonObject,
          displayName: envelope.display_name,
        })),
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },
  };
}
