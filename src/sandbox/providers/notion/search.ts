/** POST /v1/search: pages and databases whose title holds every word of the query. */
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { json, optionalString, paginate, validation } from "./notion-wire.js";
import { databaseObject, pageObject } from "./objects.js";
import { type NotionWorkspace, pageTitle, plain } from "./workspace.js";

export function search(ws: NotionWorkspace, input: Record<string, unknown>): ProviderHttpResponse {
  const query = optionalString(input.query, "body.query")?.trim().toLowerCase() ?? "";
  const filter = input.filter as { property?: unknown; value?: unknown } | undefined;
  if (
    filter !== undefined &&
    (filter?.property !== "object" || (filter.value !== "page" && filter.value !== "database"))
  ) {
    throw validation('body failed validation: body.filter.value should be "page" or "database".');
  }
  const sort = input.sort as { direction?: unknown; timestamp?: unknown } | undefined;
  if (
    sort !== undefined &&
    (sort?.timestamp !== "last_edited_time" || !["ascending", "descending"].includes(String(sort.direction)))
  ) {
    throw validation('body failed validation: body.sort.timestamp should be "last_edited_time".');
  }
  const candidates: { title: string; edited: string; object: () => Record<string, unknown> }[] = [];
  if (filter?.value !== "database") {
    for (const page of ws.pages.values()) {
      if (!page.archived)
        candidates.push({
          title: pageTitle(page),
          edited: page.last_edited_time,
          object: () => pageObject(ws, page),
        });
    }
  }
  if (filter?.value !== "page") {
    for (const database of ws.databases.values()) {
      candidates.push({
        title: plain(database.title),
        edited: database.last_edited_time,
        object: () => databaseObject(ws, database),
      });
    }
  }
  const words = query.split(/\s+/).filter(Boolean);
  const rank = (title: string) => {
    const lower = title.toLowerCase();
    return lower === query ? 0 : lower.startsWith(query) ? 1 : 2;
  };
  const matched = candidates.filter((c) => words.every((word) => c.title.toLowerCase().includes(word)));
  matched.sort((a, b) => {
    if (sort)
      return (
        (a.edited < b.edited ? -1 : a.edited > b.edited ? 1 : 0) * (sort.direction === "ascending" ? 1 : -1)
      );
    return rank(a.title) - rank(b.title) || (a.edited < b.edited ? 1 : a.edited > b.edited ? -1 : 0);
  });
  const objects = matched.map((c) => c.object());
  return json({
    ...paginate(objects, input.page_size, input.start_cursor),
    type: "page_or_database",
    page_or_database: {},
  });
}
