/**
 * Scalekit user verification from a test's side: consent on the emulator's hosted page without
 * following its redirect, so a test can see where the browser would go, and read a state.
 */
import { createHmac, randomBytes } from "node:crypto";

export const TEST_VERIFY_SECRET = randomBytes(32);

export interface VerifyRedirect {
  /** Where the browser is sent after Allow: the verify URL with `auth_request_id` and `state`. */
  location: URL;
  authRequestId: string;
  state: string;
}

/**
 * Answers the magic link's page with Allow as the browser form does, and returns the user-verify
 * redirect the emulator answers with (303), without following it.
 */
export async function consentRedirect(link: string): Promise<VerifyRedirect> {
  const response = await fetch(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "decision=allow",
    redirect: "manual",
  });
  const location = response.headers.get("location");
  if (response.status !== 303 || !location) {
    throw new Error(`expected a 303 to the verify URL, got ${response.status}: ${await response.text()}`);
  }
  const url = new URL(location);
  return {
    location: url,
    authRequestId: url.searchParams.get("auth_request_id") ?? "",
    state: url.searchParams.get("state") ?? "",
  };
}

/** The signed payload of a Delegate state (`d1.<payload>.<mac>`), unverified. */
export function statePayload(state: string): {
  u: string;
  o?: string;
  c: string;
  t?: string;
  e: number;
  n: string;
  a?: string;
} {
  return JSON.parse(Buffer.from(state.split(".")[1] ?? "", "base64url").toString("utf8"));
}

/** The same state with its payload changed and the old signature kept: a forgery. */
export function tamperedState(state: string, change: Record<string, unknown>): string {
  const [version, , mac] = state.split(".");
  const payload = { ...statePayload(state), ...change };
  return `${version}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${mac}`;
}

/**
 * A state signed with `secret` exactly as Delegate signs one (the same key derivation and MAC),
 * over any payload: for states Delegate itself would never make, such as one without an audience.
 */
export function signPayload(secret: string | Uint8Array, payload: Record<string, unknown>): string {
  const raw = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  const key = createHmac("sha256", raw).update("delegate user-verification state v1").digest();
  const body = `d1.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}
