import { addHostileNotion } from "../hostile-seeds.js";
import { perUser } from "../per-user.js";
import type { ProviderEmulator, ProviderHttpRequest, ProviderHttpResponse } from "../provider-emulator.js";
import { appendChildren, listChildren } from "./blocks.js";
import { queryDatabase, retrieveDatabase } from "./databases.js";
import { type NotionInspection, workspaceInspection } from "./inspect.js";
import { createNotionSeed } from "./notion-seed.js";
import { body, NotionFailure, notionError, uuid } from "./notion-wire.js";
import { createPage, retrievePage } from "./pages.js";
import { search } from "./search.js";
import type { NotionWorkspace } from "./workspace.js";

export type { NotionInspection } from "./inspect.js";

/**
 * A stand-in for the Notion API (version 2022-06-28) endpoints Delegate's Notion tools call:
 * search, pages, block children and database queries, with Notion's error shape
 * `{object:"error", status, code, message}` and one seeded workspace per end user. It accepts a
 * `Notion-Version` header but does not require one.
 */
export interface NotionEmulator extends ProviderEmulator {
  /** A read-only view of one user's workspace, for tests. */
  inspect(identifier: string): NotionInspection;
}

export interface NotionEmulatorOptions {
  now?: () => Date;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

const CAPABILITIES: Record<string, string> = {
  read_content: "read content",
  update_content: "update content",
  insert_content: "insert content",
};

export function createNotionEmulator(options: NotionEmulatorOptions = {}): NotionEmulator {
  const now = options.now ?? (() => new Date());
  const workspaceFor = perUser(() => {
    const ws = createNotionSeed(now());
    if (options.injections) addHostileNotion(ws, now());
    return ws;
  });

  /** Notion stores edit times rounded down to the minute. */
  const timestamp = () => new Date(Math.floor(now().getTime() / 60_000) * 60_000).toISOString();

  const route = (ws: NotionWorkspace, request: ProviderHttpRequest): ProviderHttpResponse => {
    const segments = request.path
      .replace(/^\/v1\//, "")
      .replace(/\/+$/, "")
      .split("/");
    const [collection, rawId, sub] = segments;
    const method = request.method;
    if (collection === "search" && segments.length === 1 && method === "POST")
      return search(ws, body(request));
    if (collection === "pages" && segments.length === 1 && method === "POST")
      return createPage(ws, body(request), timestamp);
    if (collection === "pages" && segments.length === 2 && method === "GET") return retrievePage(ws, rawId);
    if (collection === "blocks" && segments.length === 3 && sub === "children") {
      const id = uuid(rawId, "block_id");
      if (method === "GET") return listChildren(ws, id, request.query);
      if (method === "PATCH") return appendChildren(ws, id, body(request), timestamp);
    }
    if (collection === "databases" && segments.length === 2 && method === "GET")
      return retrieveDatabase(ws, rawId);
    if (collection === "databases" && segments.length === 3 && sub === "query" && method === "POST") {
      return queryDatabase(ws, uuid(rawId, "database_id"), body(request));
    }
    throw new NotionFailure(400, "invalid_request_url", "Invalid request URL.");
  };

  return {
    connector: "notion",
    pathPrefixes: ["/v1/"],
    unauthorized: () => notionError(401, "unauthorized", "API token is invalid."),
    insufficientScope: (scope) =>
      notionError(
        403,
        "restricted_resource",
        `Insufficient permissions for this endpoint: the integration lacks the ${CAPABILITIES[scope] ?? scope} capability (${scope}).`,
      ),
    requiredScope(request) {
      if (request.method === "POST" && /^\/v1\/pages\/?$/.test(request.path)) return "insert_content";
      if (request.method === "PATCH" && /\/children\/?$/.test(request.path)) return "insert_content";
      if (request.method === "PATCH" || request.method === "DELETE") return "update_content";
      return "read_content";
    },
    handle(request) {
      try {
        return route(workspaceFor(request.grant.identifier), request);
      } catch (error) {
        if (error instanceof NotionFailure) return notionError(error.status, error.code, error.message);
        throw error;
      }
    },
    inspect(identifier) {
      return workspaceInspection(workspaceFor(identifier));
    },
  };
}
