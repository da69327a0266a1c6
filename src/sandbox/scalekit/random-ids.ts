import { randomBytes } from "node:crypto";

/** An opaque id such as `ca_3f9c…`; hex keeps ids URL- and log-safe. */
export function randomId(prefix: string, bytes = 10): string {
  return `${prefix}${randomBytes(bytes).toString("hex")}`;
}

/** A bearer-style secret: base64url, unguessable. */
export function randomSecret(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}
