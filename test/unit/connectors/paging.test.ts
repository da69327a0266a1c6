import { describe, expect, it } from "vitest";
import { collectPages, type Page } from "../../../src/connectors/shared/paging.js";

/** A provider listing `total` numbers, `size` a page, with the next offset as cursor. */
function numbers(total: number, size: number) {
  const asked: { cursor: number | undefined; wanted: number }[] = [];
  const fetchPage = async (cursor: number | undefined, wanted: number): Promise<Page<number, number>> => {
    asked.push({ cursor, wanted });
    const from = cursor ?? 0;
    const items = Array.from({ length: Math.min(size, total - from) }, (_, i) => from + i);
    const next = from + items.length;
    return { items, next: next < total ? next : undefined };
  };
  return { asked, fetchPage };
}

describe("collectPages", () => {
  it("follows cursors until the provider has no more", async () => {
    const provider = numbers(5, 2);
    const { items, next } = await collectPages({ max: 100, fetchPage: provider.fetchPage });
    expect(items).toEqual([0, 1, 2, 3, 4]);
    expect(next).toBeUndefined();
    expect(provider.asked).toEqual([
      { cursor: undefined, wanted: 100 },
      { cursor: 2, wanted: 98 },
      { cursor: 4, wanted: 96 },
    ]);
  });

  it("stops once max items are kept, returning the whole last page and the cursor after it", async () => {
    const provider = numbers(10, 3);
    const { items, next } = await collectPages({ max: 4, fetchPage: provider.fetchPage });
    expect(items).toEqual([0, 1, 2, 3, 4, 5]);
    expect(next).toBe(6);
  });

  it("reads at most maxPages pages", async () => {
    const provider = numbers(10, 2);
    const { items, next } = await collectPages({ max: 100, maxPages: 2, fetchPage: provider.fetchPage });
    expect(items).toEqual([0, 1, 2, 3]);
    expect(next).toBe(4);
    expect(provider.asked).toHaveLength(2);
  });

  it("does not count items it drops", async () => {
    const provider = numbers(10, 3);
    const { items } = await collectPages({
      max: 3,
      fetchPage: provider.fetchPage,
      keep: (n) => n % 2 === 0,
    });
    expect(items).toEqual([0, 2, 4]);
    expect(provider.asked).toHaveLength(2);
  });
});
