import { createHash, timingSafeEqual } from "node:crypto";
import { type Identity, IdentitySchema, scalekitIdentifier } from "../auth/identity.js";
import { DelegateError } from "../errors.js";

/** The token map used on the sandbox when DELEGATE_SERVER_TOKENS is unset. */
export const SANDBOX_DEFAULT_TOKENS = "dev-alice=alice,dev-bob=bob";

/** A static bearer-token table: each token stands for one end user. */
export interface TokenTable {
  /** The identity a presented token stands for, compared in constant time per entry. */
  lookup(token: string): Identity | undefined;
  /** How many tokens are configured. */
  readonly size: number;
  /** The users, for log lines (never the tokens). */
  readonly users: readonly string[];
}

/**
 * Parses `token=user,token2=org/user2`. A user is a Delegate user id, optionally prefixed by an
 * organisation id and `/` (it then becomes the Scalekit identifier `org/user`). Every malformed
 * entry is reported in one CONFIG_INVALID error that never echoes a token.
 */
export function parseTokenTable(value: string): TokenTable {
  const problems: string[] = [];
  const entries: { digest: Buffer; identity: Identity }[] = [];
  const seen = new Set<string>();
  value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const separator = entry.indexOf("=");
      const token = separator > 0 ? entry.slice(0, separator).trim() : "";
      const user = separator > 0 ? entry.slice(separator + 1).trim() : "";
      const where = `DELEGATE_SERVER_TOKENS entry ${index + 1}`;
      if (!token || !user) {
        problems.push(
          `${where} is not token=user, e.g. DELEGATE_SERVER_TOKENS=s3cret-a=alice,s3cret-b=acme/bob.`,
        );
        return;
      }
      if (/\s/.test(token)) {
        problems.push(`${where}: the token must not contain whitespace.`);
        return;
      }
      const identity = parseUser(user);
      if (!identity) {
        problems.push(`${where}: "${user}" is not a user id or organization/user id.`);
        return;
      }
      const digest = sha256(token);
      const key = digest.toString("hex");
      if (seen.has(key)) {
        problems.push(`${where}: the same token is listed twice.`);
        return;
      }
      seen.add(key);
      entries.push({ digest, identity });
    });
  if (problems.length > 0) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
      { details: { problems } },
    );
  }
  return {
    lookup(token) {
      const digest = sha256(token);
      let found: Identity | undefined;
      for (const entry of entries) {
        if (timingSafeEqual(entry.digest, digest) && !found) found = entry.identity;
      }
      return found;
    },
    size: entries.length,
    users: entries.map((entry) => scalekitIdentifier(entry.identity)),
  };
}

/** `alice` → { userId: "alice" }; `acme/alice` → { organizationId: "acme", userId: "alice" }. */
export function parseUser(value: string): Identity | undefined {
  const parts = value.split("/");
  if (parts.length > 2) return undefined;
  const [first, second] = parts;
  const candidate = second === undefined ? { userId: first } : { organizationId: first, userId: second };
  const parsed = IdentitySchema.safeParse(candidate);
  if (!parsed.success) return undefined;
  const { userId, organizationId } = parsed.data;
  if (/\s/.test(userId) || (organizationId !== undefined && /\s/.test(organizationId))) return undefined;
  return parsed.data;
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
