/**
 * Block children: GET and PATCH /v1/blocks/{id}/children, and the insertion that page creation
 * shares. Editing a block also marks the page it belongs to as edited.
 */
import { randomUUID } from "node:crypto";
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { type NormalizedBlock, normalizeBlock, PARENT_BLOCKS } from "./block-input.js";
import { archived, json, notFound, optionalString, paginate, uuid, validation } from "./notion-wire.js";
import { blockObject } from "./objects.js";
import type { NotionParent, NotionWorkspace, StoredBlock } from "./workspace.js";

export function listChildren(ws: NotionWorkspace, id: string, query: URLSearchParams): ProviderHttpResponse {
  if (!ws.pages.has(id) && !ws.blocks.has(id)) throw notFound("block", id);
  const blocks = (ws.children.get(id) ?? [])
    .map((childId) => ws.blocks.get(childId))
    .filter((block): block is StoredBlock => block !== undefined && !block.archived)
    .map((block) => blockObject(ws, block));
  const pageSize = query.get("page_size");
  const page = paginate(
    blocks,
    pageSize === null ? undefined : Number(pageSize),
    query.get("start_cursor") ?? undefined,
  );
  return json({ ...page, type: "block", block: {} });
}

export function appendChildren(
  ws: NotionWorkspace,
  id: string,
  input: Record<string, unknown>,
  timestamp: () => string,
): ProviderHttpResponse {
  const page = ws.pages.get(id);
  const block = page ? undefined : ws.blocks.get(id);
  if (!page && !block) throw notFound("block", id);
  if (page?.archived || block?.archived) throw archived();
  if (block && !PARENT_BLOCKS.has(block.type))
    throw validation(`Block type ${block.type} does not support children.`);
  const children = input.children;
  if (!Array.isArray(children))
    throw validation("body failed validation: body.children should be defined, instead was `undefined`.");
  if (children.length === 0 || children.length > 100) {
    throw validation(
      `body failed validation: body.children.length should be between 1 and 100, instead was \`${children.length}\`.`,
    );
  }
  const after = optionalString(input.after, "body.after");
  const afterId = after === undefined ? undefined : uuid(after, "body.after");
  if (afterId && !(ws.children.get(id) ?? []).includes(afterId)) throw notFound("block", afterId);
  const normalized = children.map((child, index) => normalizeBlock(child, `body.children[${index}]`, 0));
  const time = timestamp();
  const parent: NotionParent = page ? { type: "page_id", page_id: id } : { type: "block_id", block_id: id };
  const created = insertBlocks(ws, id, parent, normalized, afterId, time);
  touch(ws, id, time);
  return json({
    object: "list",
    results: created.map((block) => blockObject(ws, block)),
    next_cursor: null,
    has_more: false,
    type: "block",
    block: {},
  });
}

export function insertBlocks(
  ws: NotionWorkspace,
  parentId: string,
  parent: NotionParent,
  inputs: NormalizedBlock[],
  after: string | undefined,
  time: string,
): StoredBlock[] {
  const siblings = ws.children.get(parentId) ?? [];
  let position = after === undefined ? siblings.length : siblings.indexOf(after) + 1;
  const created: StoredBlock[] = [];
  for (const input of inputs) {
    const block: StoredBlock = {
      id: randomUUID(),
      parent,
      type: input.type,
      data: input.data,
      created_time: time,
      last_edited_time: time,
      archived: false,
    };
    ws.blocks.set(block.id, block);
    siblings.splice(position++, 0, block.id);
    created.push(block);
    if (input.children.length > 0)
      insertBlocks(ws, block.id, { type: "block_id", block_id: block.id }, input.children, undefined, time);
  }
  ws.children.set(parentId, siblings);
  return created;
}

/** Editing a block edits the page it belongs to. */
function touch(ws: NotionWorkspace, id: string, time: string): void {
  let current: string | undefined = id;
  for (let hops = 0; current && hops < 50; hops++) {
    const page = ws.pages.get(current);
    if (page) {
      page.last_edited_time = time;
      return;
    }
    const block = ws.blocks.get(current);
    if (!block) return;
    block.last_edited_time = time;
    current =
      block.parent.type === "page_id"
        ? block.parent.page_id
        : block.parent.type === "block_id"
          ? block.parent.block_id
          : undefined;
  }
}
