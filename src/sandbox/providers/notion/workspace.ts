/**
 * One user's Notion workspace as the emulator stores it: pages, databases and blocks in wire
 * form, with each parent's ordered children, and the small readers every endpoint shares.
 */

export interface NotionRichText {
  type: "text";
  text: { content: string; link: { url: string } | null };
  annotations: {
    bold: boolean;
    italic: boolean;
    strikethrough: boolean;
    underline: boolean;
    code: boolean;
    color: string;
  };
  plain_text: string;
  href: string | null;
}

export type NotionParent =
  | { type: "workspace"; workspace: true }
  | { type: "page_id"; page_id: string }
  | { type: "database_id"; database_id: string }
  | { type: "block_id"; block_id: string };

export interface StoredPage {
  id: string;
  parent: NotionParent;
  /** Property values in wire form, keyed by property name. */
  properties: Record<string, Record<string, unknown>>;
  icon: { type: "emoji"; emoji: string } | null;
  created_time: string;
  last_edited_time: string;
  archived: boolean;
}

export interface StoredDatabase {
  id: string;
  parent: NotionParent;
  title: NotionRichText[];
  /** Property schema in wire form, keyed by property name. */
  properties: Record<string, Record<string, unknown>>;
  icon: { type: "emoji"; emoji: string } | null;
  created_time: string;
  last_edited_time: string;
}

export interface StoredBlock {
  id: string;
  parent: NotionParent;
  type: string;
  /** The type-specific object, e.g. `{ rich_text, color }` for a paragraph. */
  data: Record<string, unknown>;
  created_time: string;
  last_edited_time: string;
  archived: boolean;
}

export interface NotionWorkspace {
  name: string;
  /** The Notion user every sandbox token acts as. */
  userId: string;
  pages: Map<string, StoredPage>;
  databases: Map<string, StoredDatabase>;
  blocks: Map<string, StoredBlock>;
  /** Ordered child block ids of each page or block. */
  children: Map<string, string[]>;
}

/** The annotations of unstyled text, as Notion fills in whatever a client leaves out. */
export const DEFAULT_ANNOTATIONS: Readonly<NotionRichText["annotations"]> = {
  bold: false,
  italic: false,
  strikethrough: false,
  underline: false,
  code: false,
  color: "default",
};

/** One run of unstyled text, optionally a link. */
export function richText(content: string, link?: string): NotionRichText {
  return {
    type: "text",
    text: { content, link: link ? { url: link } : null },
    annotations: { ...DEFAULT_ANNOTATIONS },
    plain_text: content,
    href: link ?? null,
  };
}

export function plain(richText: readonly NotionRichText[] | undefined): string {
  return (richText ?? []).map((part) => part.plain_text).join("");
}

export function pageTitle(page: StoredPage): string {
  const title = Object.values(page.properties).find((property) => property.type === "title");
  return plain(title?.title as NotionRichText[] | undefined);
}
