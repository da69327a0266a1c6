import { randomBytes, randomInt } from "node:crypto";

/** An opaque id such as `exec_3f9c…`; hex keeps ids URL- and log-safe. */
export function randomId(prefix: string, bytes = 10): string {
  return `${prefix}${randomBytes(bytes).toString("hex")}`;
}

/**
 * A Scalekit-style resource id: the prefix and a long decimal number, as real ids look
 * (`ConnectedAccount.id`, field 10, e.g. `ca_91382749123874612`; `connection_id`, field 11, e.g.
 * `conn_58249437367697463`). 18 digits, never a leading zero.
 */
export function decimalId(prefix: string, digits = 18): string {
  let number = String(randomInt(1, 10));
  while (number.length < digits) number += String(randomInt(0, 10));
  return `${prefix}${number}`;
}

/** A bearer-style secret: base64url, unguessable. */
export function randomSecret(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}
