import { perUser } from "../per-user.js";
import { type ProviderEmulator, pathSegments } from "../provider-emulator.js";
import { hostZone } from "../zoned-time.js";
import { calendarView, createEvent, eventItem, listEvents } from "./events.js";
import { badRequest, graphError, methodNotAllowed } from "./graph-wire.js";
import { type GraphContext, seedMailbox } from "./mailbox.js";
import { getMessage, listMessages, sendMail } from "./messages.js";
import type { GraphPerson } from "./outlook-seed.js";
import { renderEvent, renderMessage } from "./render.js";

export { mailboxOwnerFor } from "./mailbox.js";

const PREFIX = "/v1.0/me/";

export interface OutlookEmulatorOptions {
  now?: () => Date;
  /** The mailbox's time zone: where seeded wall times such as 10:00 live. */
  timeZone?: string;
  /**
   * Largest page the server returns whatever `$top` asks (Graph pages server-side, so clients
   * must follow `@odata.nextLink`). Default 1000.
   */
  pageSizeLimit?: number;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

/** A read-only view of one user's mailbox and calendar, for tests. */
export interface MailboxSnapshot {
  owner: GraphPerson;
  timeZone: string;
  /** Inbox and Sent Items, newest first, in Graph's shape. */
  messages: Record<string, unknown>[];
  /** Messages sent through `sendMail`, newest first. */
  sent: Record<string, unknown>[];
  /** Events ordered by start, in Graph's shape (UTC). */
  events: Record<string, unknown>[];
  deletedEventIds: string[];
}

export interface OutlookEmulator extends ProviderEmulator {
  inspect(identifier: string): MailboxSnapshot;
}

/**
 * Microsoft Graph v1.0 for `/me`: messages (list with $search/$filter/$orderby/$top/$select, get),
 * sendMail, calendarView and events (create/get/patch/delete), with per-user mailboxes seeded
 * relative to `now()`. Event times come back in UTC, as Graph does without a `Prefer` header.
 */
export function createOutlookEmulator(options: OutlookEmulatorOptions = {}): OutlookEmulator {
  const now = options.now ?? (() => new Date());
  const defaultZone = options.timeZone ?? hostZone();
  const context: GraphContext = { now, pageSizeLimit: options.pageSizeLimit ?? 1000 };
  const mailboxFor = perUser((identifier) =>
    seedMailbox(identifier, now(), defaultZone, options.injections === true),
  );

  return {
    connector: "outlook",
    pathPrefixes: [PREFIX],
    unauthorized() {
      return graphError(
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
        {
          "www-authenticate":
            'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
        },
      );
    },
    insufficientScope(scope) {
      return graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", {
        "www-authenticate": `Bearer error="insufficient_scope", scope="${scope}"`,
      });
    },
    requiredScope(request) {
      const path = request.path.toLowerCase();
      if (path.startsWith("/v1.0/me/sendmail")) return "Mail.Send";
      if (path.startsWith("/v1.0/me/messages")) return "Mail.Read";
      if (path.startsWith("/v1.0/me/calendarview") || path.startsWith("/v1.0/me/events"))
        return "Calendars.ReadWrite";
      return undefined;
    },
    handle(request) {
      const mailbox = mailboxFor(request.grant.identifier);
      const [collection = "", id, ...rest] = pathSegments(request.path, PREFIX);
      if (rest.length > 0) return badRequest(`Resource not found for the segment '${rest[0]}'.`);
      switch (collection.toLowerCase()) {
        case "messages":
          if (id === undefined)
            return request.method === "GET" ? listMessages(request, mailbox, context) : methodNotAllowed();
          return request.method === "GET" ? getMessage(request, mailbox, id) : methodNotAllowed();
        case "sendmail":
          if (id !== undefined) return badRequest(`Resource not found for the segment '${id}'.`);
          return request.method === "POST" ? sendMail(request, mailbox, context) : methodNotAllowed();
        case "calendarview":
          if (id !== undefined) return badRequest(`Resource not found for the segment '${id}'.`);
          return request.method === "GET" ? calendarView(request, mailbox, context) : methodNotAllowed();
        case "events":
          if (id === undefined) {
            if (request.method === "GET") return listEvents(request, mailbox, context);
            return request.method === "POST" ? createEvent(request, mailbox, context) : methodNotAllowed();
          }
          return eventItem(request, mailbox, id, context);
        default:
          return badRequest(`Resource not found for the segment '${collection}'.`);
      }
    },
    inspect(identifier) {
      const mailbox = mailboxFor(identifier);
      const newest = [...mailbox.messages].sort((a, b) => b.received - a.received);
      return {
        owner: { ...mailbox.owner },
        timeZone: mailbox.timeZone,
        messages: newest.map((message) => renderMessage(message)),
        sent: newest
          .filter((message) => message.folder === "sentitems")
          .map((message) => renderMessage(message)),
        events: [...mailbox.events.values()]
          .sort((a, b) => a.start - b.start)
          .map((event) => renderEvent(event, mailbox, "UTC")),
        deletedEventIds: [...mailbox.deletedEvents],
      };
    },
  };
}
