import { invalidArgument } from "./grpc-errors.js";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface Page<T> {
  items: T[];
  nextPageToken: string;
  prevPageToken: string;
}

/** Offset paging; tokens are decimal offsets, which is all a stand-in needs. */
export function paginate<T>(items: readonly T[], pageSize: number, pageToken: string): Page<T> {
  const size = pageSize > 0 ? Math.min(pageSize, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const offset = pageToken === "" ? 0 : Number(pageToken);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument("invalid page token");
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    nextPageToken: end < items.length ? String(end) : "",
    prevPageToken: offset > 0 ? String(Math.max(0, offset - size)) : "",
  };
}
