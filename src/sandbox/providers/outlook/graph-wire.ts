/**
 * Microsoft Graph's conventions: its error shape, OData paging (`$top`, `$skip`,
 * `@odata.nextLink`) and `$select`, recipients, and timestamps that default to UTC.
 */
import { randomUUID } from "node:crypto";
import type { ProviderHttpRequest, ProviderHttpResponse } from "../provider-emulator.js";
import { readStamp, wallToEpoch } from "../zoned-time.js";
import type { GraphPerson } from "./outlook-seed.js";

export const GRAPH = "https://graph.microsoft.com/v1.0";
const DEFAULT_PAGE = 10;

export function graphError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): ProviderHttpResponse {
  const response: ProviderHttpResponse = {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          "request-id": randomUUID(),
          "client-request-id": randomUUID(),
        },
      },
    },
  };
  if (headers) response.headers = headers;
  return response;
}

export const itemNotFound = () =>
  graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
export const badRequest = (message: string, code = "BadRequest") => graphError(400, code, message);
export const emptyPayload = () => badRequest("Empty Payload. JSON content expected.", "ErrorInvalidRequest");

export function methodNotAllowed(): ProviderHttpResponse {
  return graphError(
    405,
    "Request_BadRequest",
    "Specified HTTP method is not allowed for the request target.",
  );
}

/** An ISO timestamp; without an offset Graph reads it as UTC. */
export function parseUtcDefault(text: string): number | undefined {
  const stamp = readStamp(text);
  if (!stamp) return undefined;
  if (stamp.kind === "exact") return stamp.epochMs;
  return stamp.kind === "wall" ? wallToEpoch(stamp.wall, "UTC") : Date.parse(`${stamp.date}T00:00:00Z`);
}

export function person(value: unknown): GraphPerson | undefined {
  const address = (value as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address;
  if (typeof address !== "string") return undefined;
  const name = (value as { emailAddress: { name?: unknown } }).emailAddress.name;
  return typeof name === "string" ? { name, address } : { address };
}

export function recipient(value: GraphPerson) {
  return { emailAddress: { name: value.name ?? value.address, address: value.address } };
}

/** An itemBody's content type as stored: HTML in any case, else text. */
export function bodyTypeOf(content: { contentType?: unknown } | null | undefined): "html" | "text" {
  return String(content?.contentType ?? "text").toLowerCase() === "html" ? "html" : "text";
}

/** Compares as OData does: strings without regard to case. */
export function compare(
  left: string | number | boolean,
  operator: string,
  right: string | number | boolean,
): boolean {
  const l = typeof left === "string" ? left.toLowerCase() : left;
  const r = typeof right === "string" ? right.toLowerCase() : right;
  switch (operator) {
    case "eq":
      return l === r;
    case "ne":
      return l !== r;
    case "gt":
      return l > r;
    case "ge":
      return l >= r;
    case "lt":
      return l < r;
    default:
      return l <= r;
  }
}

function select(body: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const fields = query.get("$select");
  if (!fields) return body;
  const wanted = new Set(fields.split(",").map((field) => field.trim()));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "id" || key === "@odata.etag" || wanted.has(key)) out[key] = value;
  }
  return out;
}

/** One item, with only the `$select`ed fields when the query names some. */
export function itemAnswer(body: Record<string, unknown>, query: URLSearchParams): ProviderHttpResponse {
  return { status: 200, body: select(body, query) };
}

/**
 * A page of a collection (`$top`, `$skip`, `$select`), with `@odata.nextLink` when more follow.
 * The server's page is at most `limit` items, so clients must follow the link.
 */
export function listAnswer<T>(
  items: T[],
  request: Pick<ProviderHttpRequest, "path" | "query">,
  context: { owner: string; collection: string; limit: number },
  render: (item: T) => Record<string, unknown>,
): ProviderHttpResponse {
  const { query } = request;
  const topText = query.get("$top");
  const skipText = query.get("$skip");
  const top = topText === null ? DEFAULT_PAGE : Number(topText);
  const skip = skipText === null ? 0 : Number(skipText);
  if (!Number.isInteger(top) || top < 1 || top > 1000)
    return badRequest(`Invalid value '${topText}' for $top query option found.`);
  if (!Number.isInteger(skip) || skip < 0)
    return badRequest(`Invalid value '${skipText}' for $skip query option found.`);
  const size = Math.min(top, context.limit);
  const page = items.slice(skip, skip + size);
  const body: Record<string, unknown> = {
    "@odata.context": `${GRAPH}/$metadata#users('${context.owner}')/${context.collection}`,
    value: page.map((item) => select(render(item), query)),
  };
  if (skip + size < items.length) {
    const next = new URLSearchParams(query);
    next.set("$skip", String(skip + size));
    body["@odata.nextLink"] = `${GRAPH}${request.path.slice("/v1.0".length)}?${next.toString()}`;
  }
  return { status: 200, body };
}
