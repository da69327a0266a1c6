/** Stored pages, databases and blocks in Notion's wire shape (copies: callers may not edit the store). */
import {
  type NotionWorkspace,
  pageTitle,
  type StoredBlock,
  type StoredDatabase,
  type StoredPage,
} from "./workspace.js";

function slugUrl(title: string, id: string): string {
  const slug = title
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `https://www.notion.so/${slug ? `${slug}-` : ""}${id.replace(/-/g, "")}`;
}

function user(ws: NotionWorkspace) {
  return { object: "user", id: ws.userId };
}

export function pageObject(ws: NotionWorkspace, page: StoredPage): Record<string, unknown> {
  return {
    object: "page",
    id: page.id,
    created_time: page.created_time,
    last_edited_time: page.last_edited_time,
    created_by: user(ws),
    last_edited_by: user(ws),
    cover: null,
    icon: page.icon,
    parent: page.parent,
    archived: page.archived,
    in_trash: page.archived,
    properties: structuredClone(page.properties),
    url: slugUrl(pageTitle(page), page.id),
    public_url: null,
  };
}

export function databaseObject(ws: NotionWorkspace, database: StoredDatabase): Record<string, unknown> {
  return {
    object: "database",
    id: database.id,
    created_time: database.created_time,
    last_edited_time: database.last_edited_time,
    created_by: user(ws),
    last_edited_by: user(ws),
    title: structuredClone(database.title),
    description: [],
    icon: database.icon,
    cover: null,
    properties: structuredClone(database.properties),
    parent: database.parent,
    url: slugUrl("", database.id),
    public_url: null,
    archived: false,
    in_trash: false,
    is_inline: false,
  };
}

export function blockObject(ws: NotionWorkspace, block: StoredBlock): Record<string, unknown> {
  const hasChildren =
    block.type === "child_page"
      ? (ws.children.get(block.id)?.length ?? 0) > 0
      : (ws.children.get(block.id) ?? []).some((id) => !ws.blocks.get(id)?.archived);
  return {
    object: "block",
    id: block.id,
    parent: block.parent,
    created_time: block.created_time,
    last_edited_time: block.last_edited_time,
    created_by: user(ws),
    last_edited_by: user(ws),
    has_children: hasChildren,
    archived: block.archived,
    in_trash: block.archived,
    type: block.type,
    [block.type]: structuredClone(block.data),
  };
}
