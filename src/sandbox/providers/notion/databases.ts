/** Databases: GET /v1/databases/{id} and POST /v1/databases/{id}/query (filter, sorts, paging). */
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { matchesFilter } from "./database-filter.js";
import { json, notFound, paginate, uuid, validation } from "./notion-wire.js";
import { databaseObject, pageObject } from "./objects.js";
import {
  type NotionRichText,
  type NotionWorkspace,
  plain,
  type StoredDatabase,
  type StoredPage,
} from "./workspace.js";

export function retrieveDatabase(ws: NotionWorkspace, rawId: string | undefined): ProviderHttpResponse {
  const id = uuid(rawId, "database_id");
  const database = ws.databases.get(id);
  if (!database) throw notFound("database", id);
  return json(databaseObject(ws, database));
}

export function queryDatabase(
  ws: NotionWorkspace,
  id: string,
  input: Record<string, unknown>,
): ProviderHttpResponse {
  const database = ws.databases.get(id);
  if (!database) throw notFound("database", id);
  const rows = [...ws.pages.values()].filter(
    (page) => !page.archived && page.parent.type === "database_id" && page.parent.database_id === id,
  );
  const filter = input.filter as Record<string, unknown> | undefined;
  const matched =
    filter === undefined ? rows : rows.filter((row) => matchesFilter(database, row, filter, "body.filter"));
  const sorts = input.sorts;
  if (sorts !== undefined) {
    if (!Array.isArray(sorts)) throw validation("body failed validation: body.sorts should be an array.");
    matched.sort((a, b) => compareBySorts(database, a, b, sorts));
  } else {
    matched.sort((a, b) => (a.created_time < b.created_time ? 1 : a.created_time > b.created_time ? -1 : 0));
  }
  const objects = matched.map((page) => pageObject(ws, page));
  return json({
    ...paginate(objects, input.page_size, input.start_cursor),
    type: "page_or_database",
    page_or_database: {},
  });
}

function compareBySorts(database: StoredDatabase, a: StoredPage, b: StoredPage, sorts: unknown[]): number {
  for (const sort of sorts) {
    const { property, timestamp, direction } = sort as {
      property?: string;
      timestamp?: string;
      direction?: string;
    };
    const factor = direction === "descending" ? -1 : 1;
    let left = "";
    let right = "";
    if (timestamp === "created_time" || timestamp === "last_edited_time") {
      left = a[timestamp];
      right = b[timestamp];
    } else if (property && database.properties[property]) {
      left = sortKey(a.properties[property]);
      right = sortKey(b.properties[property]);
    } else {
      throw validation(`Could not find sort property with name or id: ${String(property ?? timestamp)}`);
    }
    if (left !== right) return (left < right ? -1 : 1) * factor;
  }
  return 0;
}

function sortKey(value: Record<string, unknown> | undefined): string {
  if (!value) return "";
  const data = value[String(value.type)];
  if (Array.isArray(data)) return plain(data as NotionRichText[]);
  if (typeof data === "object" && data !== null)
    return String(
      (data as { name?: string; start?: string }).name ?? (data as { start?: string }).start ?? "",
    );
  return String(data ?? "");
}
