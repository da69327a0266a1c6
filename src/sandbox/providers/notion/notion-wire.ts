/**
 * Notion's request and answer conventions: the error shape `{object:"error", status, code,
 * message}` (thrown as {@link NotionFailure} and answered by the router), JSON bodies, ids with
 * or without dashes, and cursor paging by item id.
 */
import { randomUUID } from "node:crypto";
import { isRecord, type ProviderHttpRequest, type ProviderHttpResponse } from "../provider-emulator.js";

export class NotionFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const validation = (message: string) => new NotionFailure(400, "validation_error", message);
export const notFound = (kind: string, id: string) =>
  new NotionFailure(
    404,
    "object_not_found",
    `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
  );
export const archived = () =>
  validation("Can't edit block that is archived. You must unarchive the block before editing.");

export function notionError(status: number, code: string, message: string): ProviderHttpResponse {
  return { status, body: { object: "error", status, code, message, request_id: randomUUID() } };
}

export function json(body: Record<string, unknown>): ProviderHttpResponse {
  return { status: 200, body: { ...body, request_id: randomUUID() } };
}

export function body(request: ProviderHttpRequest): Record<string, unknown> {
  if (request.body === undefined) return {};
  if (!isRecord(request.body)) throw new NotionFailure(400, "invalid_json", "Error parsing JSON body.");
  return request.body;
}

/** Notion accepts ids with or without dashes. */
export function uuid(raw: string | undefined, field: string): string {
  const compact = (raw ?? "").replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(compact)) {
    throw validation(
      `path failed validation: ${field} should be a valid uuid, instead was \`"${raw ?? ""}"\`.`,
    );
  }
  return `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw validation(`body failed validation: ${field} should be a string.`);
  return value;
}

/** A page of `items` from the one whose id is `rawCursor`; Notion's cursors are item ids. */
export function paginate(items: Record<string, unknown>[], rawSize: unknown, rawCursor: unknown) {
  const size = rawSize === undefined || rawSize === null ? 100 : Number(rawSize);
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw validation(
      `body failed validation: page_size should be a number between 1 and 100, instead was \`${String(rawSize)}\`.`,
    );
  }
  let start = 0;
  if (rawCursor !== undefined && rawCursor !== null && rawCursor !== "") {
    start = items.findIndex((item) => item.id === rawCursor);
    if (start < 0) throw validation("The start_cursor provided is invalid.");
  }
  const results = items.slice(start, start + size);
  const next = items[start + size];
  return {
    object: "list",
    results,
    next_cursor: next ? (next.id as string) : null,
    has_more: next !== undefined,
  };
}
