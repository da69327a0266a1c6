/**
 * Opaque page cursors that carry a list offset (`offset:N`, base64-encoded), as Gmail's
 * `pageToken` and Slack's `cursor` look to a client: it must send them back as it got them.
 */
export function offsetCursor(offset: number, encoding: "base64" | "base64url"): string {
  return Buffer.from(`offset:${offset}`).toString(encoding);
}

/** The offset a cursor carries, or undefined for a cursor this server never gave out. */
export function readOffsetCursor(cursor: string, encoding: "base64" | "base64url"): number | undefined {
  const offset = /^offset:(\d+)$/.exec(Buffer.from(cursor, encoding).toString("utf8"))?.[1];
  return offset === undefined ? undefined : Number(offset);
}
