/** One page of a provider's listing and the cursor to the next, if the provider has more. */
export interface Page<T, C> {
  items: readonly T[];
  next: C | undefined;
}

export interface CollectPagesOptions<T, C> {
  /** Stop asking once this many items are kept. */
  max: number;
  /** A bound on requests per call, for providers that may page far below the size asked for. */
  maxPages?: number;
  /** Fetches the page at `cursor` (undefined: the first); `wanted` is how many items are still missing. */
  fetchPage(cursor: C | undefined, wanted: number): Promise<Page<T, C>>;
  /** Drops items nobody asked for without counting them. */
  keep?(item: T): boolean;
}

/**
 * Follows a provider's cursor from page to page, one request at a time, until `max` items are kept,
 * the provider has no more, or `maxPages` pages were read. `next` is the cursor after the last
 * page read: defined when the provider had more to give. Items are not cut to `max`; a caller
 * that asked for whole pages slices them.
 */
export async function collectPages<T, C>({
  max,
  maxPages = Number.POSITIVE_INFINITY,
  fetchPage,
  keep,
}: CollectPagesOptions<T, C>): Promise<{ items: T[]; next: C | undefined }> {
  const items: T[] = [];
  let next: C | undefined;
  for (let page = 0; page < maxPages && items.length < max; page++) {
    const answer = await fetchPage(next, max - items.length);
    items.push(...(keep ? answer.items.filter((item) => keep(item)) : answer.items));
    next = answer.next;
    if (next === undefined) break;
  }
  return { items, next };
}
