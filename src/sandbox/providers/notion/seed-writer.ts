/**
 * How seeded pages and blocks are written into a workspace (the demo seed's): deterministic ids,
 * shorthand block builders, and `addPage`, which also lists a subpage as a child_page block.
 */
import { createHash } from "node:crypto";
import { type NotionParent, type NotionWorkspace, richText, type StoredPage } from "./workspace.js";

export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** A deterministic UUID for a seed key, so every sandbox user sees the same seeded ids. */
export function seedId(key: string): string {
  const hex = createHash("sha1").update(`notion-seed:${key}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface SeedBlock {
  type: string;
  text?: string;
  checked?: boolean;
  emoji?: string;
  language?: string;
  children?: SeedBlock[];
}

export const p = (text: string): SeedBlock => ({ type: "paragraph", text });
export const h1 = (text: string): SeedBlock => ({ type: "heading_1", text });
export const h2 = (text: string): SeedBlock => ({ type: "heading_2", text });
export const h3 = (text: string): SeedBlock => ({ type: "heading_3", text });
export const li = (text: string, children?: SeedBlock[]): SeedBlock => ({
  type: "bulleted_list_item",
  text,
  ...(children ? { children } : {}),
});
export const ol = (text: string): SeedBlock => ({ type: "numbered_list_item", text });
export const todo = (text: string, checked = false): SeedBlock => ({ type: "to_do", text, checked });
export const quote = (text: string): SeedBlock => ({ type: "quote", text });
export const callout = (emoji: string, text: string): SeedBlock => ({ type: "callout", text, emoji });
export const code = (language: string, text: string): SeedBlock => ({ type: "code", text, language });
export const divider = (): SeedBlock => ({ type: "divider" });

/** Writes seeded pages into `ws`; `at` turns an age in milliseconds into a stored timestamp. */
export function seedWriter(ws: NotionWorkspace, at: (msAgo: number) => string) {
  const addBlocks = (parentId: string, parent: NotionParent, seeds: SeedBlock[], time: string) => {
    const list = ws.children.get(parentId) ?? [];
    ws.children.set(parentId, list);
    seeds.forEach((seed, index) => {
      const id = seedId(`${parentId}/block/${list.length}/${index}`);
      const data: Record<string, unknown> =
        seed.type === "divider"
          ? {}
          : { rich_text: [richText(seed.text ?? "")], ...(seed.type === "code" ? {} : { color: "default" }) };
      if (seed.type === "to_do") data.checked = seed.checked ?? false;
      if (seed.type === "callout") data.icon = { type: "emoji", emoji: seed.emoji ?? "💡" };
      if (seed.type === "code") {
        data.language = seed.language ?? "plain text";
        data.caption = [];
      }
      if (seed.type.startsWith("heading_")) data.is_toggleable = false;
      ws.blocks.set(id, {
        id,
        parent,
        type: seed.type,
        data,
        created_time: time,
        last_edited_time: time,
        archived: false,
      });
      list.push(id);
      if (seed.children) addBlocks(id, { type: "block_id", block_id: id }, seed.children, time);
    });
  };

  const addPage = (
    id: string,
    title: string,
    parent: NotionParent,
    options: {
      icon?: string;
      createdDaysAgo: number;
      editedMinutesAgo: number;
      properties?: StoredPage["properties"];
    },
    blocks: SeedBlock[],
  ) => {
    const created = at(options.createdDaysAgo * DAY);
    const editedAt = at(options.editedMinutesAgo * MINUTE);
    const titleKey = parent.type === "database_id" ? "Name" : "title";
    ws.pages.set(id, {
      id,
      parent,
      properties: {
        [titleKey]: { id: "title", type: "title", title: [richText(title)] },
        ...options.properties,
      },
      icon: options.icon ? { type: "emoji", emoji: options.icon } : null,
      created_time: created,
      last_edited_time: editedAt,
      archived: false,
    });
    if (parent.type === "page_id") {
      // A subpage also shows up as a child_page block in its parent, as in Notion.
      const siblings = ws.children.get(parent.page_id) ?? [];
      const blockId = id;
      ws.blocks.set(blockId, {
        id: blockId,
        parent,
        type: "child_page",
        data: { title },
        created_time: created,
        last_edited_time: created,
        archived: false,
      });
      siblings.push(blockId);
      ws.children.set(parent.page_id, siblings);
    }
    addBlocks(id, { type: "page_id", page_id: id }, blocks, editedAt);
    return id;
  };

  return { addPage };
}
