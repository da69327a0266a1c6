/** Mail: GET /me/messages (list and item) and POST /me/sendMail. */
import { randomBytes } from "node:crypto";
import type { ProviderHttpRequest, ProviderHttpResponse } from "../provider-emulator.js";
import { EMAIL } from "../sandbox-account.js";
import {
  badRequest,
  bodyTypeOf,
  compare,
  emptyPayload,
  itemAnswer,
  itemNotFound,
  listAnswer,
  person,
} from "./graph-wire.js";
import type { GraphContext, Mailbox } from "./mailbox.js";
import { type FilterClause, filterValue, parseFilter, searchMatcher } from "./message-query.js";
import { type GraphPerson, graphId } from "./outlook-seed.js";
import { renderMessage } from "./render.js";

export function listMessages(
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  context: GraphContext,
): ProviderHttpResponse {
  const { query } = request;
  const search = query.get("$search");
  const filterText = query.get("$filter");
  const orderBy = query.get("$orderby");
  let messages = [...mailbox.messages];
  if (search !== null) {
    if (orderBy !== null)
      return badRequest("The query parameter '$orderBy' is not supported with '$search'.");
    if (filterText !== null)
      return badRequest("The query parameter '$filter' is not supported with '$search'.");
    messages = messages.filter(searchMatcher(search));
  }
  let clauses: FilterClause[] = [];
  if (filterText !== null) {
    const parsed = parseFilter(filterText);
    if (!Array.isArray(parsed)) return parsed;
    clauses = parsed;
    messages = messages.filter((message) =>
      clauses.every((clause) =>
        compare(filterValue(message, clause.property), clause.operator, clause.value),
      ),
    );
  }
  let descending = true;
  if (orderBy !== null) {
    const match = /^\s*(receivedDateTime|sentDateTime)(?:\s+(asc|desc))?\s*$/i.exec(orderBy);
    if (!match)
      return badRequest(
        `Could not find a property named '${orderBy.split(" ")[0]}' on type 'microsoft.graph.message'.`,
      );
    // Exchange sorts only on a property the restriction starts with.
    if (clauses.length > 0 && clauses[0]?.property.toLowerCase() !== (match[1] ?? "").toLowerCase()) {
      return badRequest(
        "The restriction or sort order is too complex for this operation.",
        "InefficientFilter",
      );
    }
    descending = (match[2] ?? "asc").toLowerCase() === "desc";
  }
  messages.sort((a, b) => (descending ? b.received - a.received : a.received - b.received));
  return listAnswer(
    messages,
    request,
    { owner: mailbox.owner.address, collection: "messages", limit: context.pageSizeLimit },
    renderMessage,
  );
}

export function getMessage(request: ProviderHttpRequest, mailbox: Mailbox, id: string): ProviderHttpResponse {
  const message = mailbox.messages.find((item) => item.id === id);
  return message ? itemAnswer(renderMessage(message), request.query) : itemNotFound();
}

/** Sends (nowhere) and, unless told not to, keeps a copy in Sent Items. */
export function sendMail(
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  context: GraphContext,
): ProviderHttpResponse {
  const body = request.body as { message?: Record<string, unknown>; saveToSentItems?: unknown } | undefined;
  const message = body?.message;
  if (typeof message !== "object" || message === null) return emptyPayload();
  const list = (value: unknown): GraphPerson[] | undefined => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return undefined;
    const people = value.map(person);
    return people.every((p): p is GraphPerson => p !== undefined && EMAIL.test(p.address))
      ? people
      : undefined;
  };
  const to = list(message.toRecipients);
  const cc = list(message.ccRecipients);
  const bcc = list(message.bccRecipients);
  if (!to || !cc || !bcc || to.length + cc.length + bcc.length === 0) {
    return badRequest(
      "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
      "ErrorInvalidRecipients",
    );
  }
  const content = message.body as { contentType?: unknown; content?: unknown } | undefined;
  if (body?.saveToSentItems !== false) {
    const id = graphId(mailbox.owner.address, `sent:${randomBytes(8).toString("hex")}`);
    mailbox.messages.push({
      id,
      conversationId: id.replace("AAMkAGI2", "AAQkAGI2"),
      folder: "sentitems",
      subject: typeof message.subject === "string" ? message.subject : "",
      bodyType: bodyTypeOf(content),
      body: typeof content?.content === "string" ? content.content : "",
      from: mailbox.owner,
      to,
      cc,
      bcc,
      received: context.now().getTime(),
      isRead: true,
      importance: "normal",
      hasAttachments: false,
    });
  }
  return { status: 202 };
}
