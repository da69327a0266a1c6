/** Pages: GET /v1/pages/{id} and POST /v1/pages (under a page, with title, icon and children). */
import { randomUUID } from "node:crypto";
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { normalizeBlock, normalizeRichText } from "./block-input.js";
import { insertBlocks } from "./blocks.js";
import { archived, json, notFound, uuid, validation } from "./notion-wire.js";
import { pageObject } from "./objects.js";
import { type NotionParent, type NotionWorkspace, plain, type StoredPage } from "./workspace.js";

export function retrievePage(ws: NotionWorkspace, rawId: string | undefined): ProviderHttpResponse {
  const id = uuid(rawId, "page_id");
  const page = ws.pages.get(id);
  if (!page) {
    if (ws.databases.has(id)) {
      throw validation(`Provided ID ${id} is a database, not a page. Use the retrieve database API instead.`);
    }
    throw notFound("page", id);
  }
  return json(pageObject(ws, page));
}

export function createPage(
  ws: NotionWorkspace,
  input: Record<string, unknown>,
  timestamp: () => string,
): ProviderHttpResponse {
  const parentInput = input.parent as Record<string, unknown> | undefined;
  if (typeof parentInput !== "object" || parentInput === null)
    throw validation("body failed validation: body.parent should be defined, instead was `undefined`.");
  if (typeof parentInput.page_id !== "string") {
    throw validation(
      "body failed validation: body.parent.page_id should be defined (this sandbox creates pages under pages only).",
    );
  }
  const parentId = uuid(parentInput.page_id, "body.parent.page_id");
  const parentPage = ws.pages.get(parentId);
  if (!parentPage) throw notFound("page", parentId);
  if (parentPage.archived) throw archived();
  const properties = input.properties as Record<string, unknown> | undefined;
  const titleProperty = (properties?.title ?? properties?.Name) as
    | Record<string, unknown>
    | unknown[]
    | undefined;
  const titleInput = Array.isArray(titleProperty)
    ? titleProperty
    : (titleProperty as { title?: unknown } | undefined)?.title;
  if (!Array.isArray(titleInput))
    throw validation(
      "body failed validation: body.properties.title should be defined, instead was `undefined`.",
    );
  const title = normalizeRichText(titleInput, "body.properties.title.title");
  const childrenInput = input.children ?? [];
  if (!Array.isArray(childrenInput))
    throw validation("body failed validation: body.children should be an array.");
  if (childrenInput.length > 100)
    throw validation(
      "body failed validation: body.children.length should be ≤ `100`, instead was `" +
        childrenInput.length +
        "`.",
    );
  const normalized = childrenInput.map((child, index) => normalizeBlock(child, `body.children[${index}]`, 0));
  const icon = (input.icon as { type?: string; emoji?: string } | undefined)?.emoji;

  const time = timestamp();
  const id = randomUUID();
  const parent: NotionParent = { type: "page_id", page_id: parentId };
  const page: StoredPage = {
    id,
    parent,
    properties: { title: { id: "title", type: "title", title } },
    icon: icon ? { type: "emoji", emoji: icon } : null,
    created_time: time,
    last_edited_time: time,
    archived: false,
  };
  ws.pages.set(id, page);
  ws.blocks.set(id, {
    id,
    parent,
    type: "child_page",
    data: { title: plain(title) },
    created_time: time,
    last_edited_time: time,
    archived: false,
  });
  ws.children.set(parentId, [...(ws.children.get(parentId) ?? []), id]);
  parentPage.last_edited_time = time;
  insertBlocks(ws, id, { type: "page_id", page_id: id }, normalized, undefined, time);
  return json(pageObject(ws, page));
}
