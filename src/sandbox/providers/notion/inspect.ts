/** A read-only view of one user's workspace, for tests. */
import {
  type NotionParent,
  type NotionRichText,
  type NotionWorkspace,
  pageTitle,
  plain,
  type StoredBlock,
} from "./workspace.js";

export interface NotionInspection {
  pages: { id: string; title: string; parent: NotionParent; archived: boolean }[];
  databases: { id: string; title: string }[];
  /** The direct children of a page or block, simplified. */
  children(id: string): { id: string; type: string; text: string; checked?: boolean }[];
}

export function workspaceInspection(ws: NotionWorkspace): NotionInspection {
  return {
    pages: [...ws.pages.values()].map((page) => ({
      id: page.id,
      title: pageTitle(page),
      parent: structuredClone(page.parent),
      archived: page.archived,
    })),
    databases: [...ws.databases.values()].map((database) => ({
      id: database.id,
      title: plain(database.title),
    })),
    children(id) {
      return (ws.children.get(id) ?? [])
        .map((childId) => ws.blocks.get(childId))
        .filter((block): block is StoredBlock => block !== undefined)
        .map((block) => ({
          id: block.id,
          type: block.type,
          text:
            block.type === "child_page"
              ? String(block.data.title)
              : plain(block.data.rich_text as NotionRichText[] | undefined),
          ...(block.type === "to_do" ? { checked: Boolean(block.data.checked) } : {}),
        }));
    },
  };
}
