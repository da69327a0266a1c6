import type { ConnectedAccountEventEnvelope } from "./account-events.js";

/** One recorded event; `sequence` orders events and anchors the feed's cursors. */
export interface LoggedEvent {
  sequence: number;
  occurredAt: number;
  envelope: ConnectedAccountEventEnvelope;
}

export interface EventQuery {
  eventTypes: readonly string[];
  startTime?: number | undefined;
  endTime?: number | undefined;
  organizationId?: string | undefined;
  connectionId?: string | undefined;
  connectedAccountId?: string | undefined;
}

export interface EventPage {
  events: LoggedEvent[];
  nextPageToken: string;
  prevPageToken: string;
}

/** Cursor tokens: opaque to clients; they name the sequence a page continues from. */
type Cursor = { before: number } | { after: number };

export class InvalidCursorError extends Error {
  constructor() {
    super("invalid page token");
    this.name = "InvalidCursorError";
  }
}

/** The environment's connected-account events, for ListEventsPaginated. */
export class EventLog {
  readonly #events: LoggedEvent[] = [];
  #sequence = 0;

  record(envelope: ConnectedAccountEventEnvelope, occurredAt: number): void {
    this.#sequence += 1;
    this.#events.push({ sequence: this.#sequence, occurredAt, envelope });
  }

  /** Oldest first. */
  all(): readonly LoggedEvent[] {
    return this.#events;
  }

  /**
   * Newest first, `pageSize` at a time. A cursor names a sequence number, not an offset, so
   * events recorded between calls neither repeat nor skip entries on later pages.
   */
  page(query: EventQuery, pageSize: number, pageToken: string): EventPage {
    const cursor = decodeCursor(pageToken);
    const newestFirst = this.#events.filter((event) => matches(event, query)).reverse();
    let start = 0;
    let stop = pageSize;
    if (cursor !== undefined && "before" in cursor) {
      start = newestFirst.findIndex((event) => event.sequence < cursor.before);
      if (start < 0) start = newestFirst.length;
      stop = start + pageSize;
    } else if (cursor !== undefined) {
      // The page just newer than `after`: up to `pageSize` events above it, still newest first.
      stop = newestFirst.findIndex((event) => event.sequence <= cursor.after);
      if (stop < 0) stop = newestFirst.length;
      start = Math.max(0, stop - pageSize);
    }
    const events = newestFirst.slice(start, stop);
    const first = events[0];
    const last = events.at(-1);
    const hasOlder = last !== undefined && start + events.length < newestFirst.length;
    const hasNewer = first !== undefined && start > 0;
    return {
      events,
      nextPageToken: hasOlder ? encodeCursor({ before: last.sequence }) : "",
      prevPageToken: hasNewer ? encodeCursor({ after: first.sequence }) : "",
    };
  }
}

function matches({ envelope, occurredAt }: LoggedEvent, query: EventQuery): boolean {
  return (
    (query.eventTypes.length === 0 || query.eventTypes.includes(envelope.type)) &&
    (query.startTime === undefined || occurredAt >= query.startTime) &&
    (query.endTime === undefined || occurredAt <= query.endTime) &&
    (!query.organizationId || envelope.organization_id === query.organizationId) &&
    (!query.connectionId || envelope.data.connection_id === query.connectionId) &&
    (!query.connectedAccountId || envelope.data.id === query.connectedAccountId)
  );
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ v: 1, ...cursor })).toString("base64url");
}

function decodeCursor(token: string): Cursor | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  const value = parsed as { v?: unknown; before?: unknown; after?: unknown } | null;
  if (value?.v !== 1) throw new InvalidCursorError();
  if (Number.isSafeInteger(value.before)) return { before: value.before as number };
  if (Number.isSafeInteger(value.after)) return { after: value.after as number };
  throw new InvalidCursorError();
}
