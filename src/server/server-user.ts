import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type Identity, IdentitySchema, scalekitIdentifier } from "../auth/identity.js";

/**
 * The user object the auth handler returns to LangGraph's server. The server copies it into
 * every run's `config.configurable.langgraph_auth_user`; the graph factory takes the Scalekit
 * identity from it, never from the run's `context`.
 *
 * `delegate.proof` is an HMAC of the identity under a key that lives only in this process, so a
 * `langgraph_auth_user` that did not come from this auth handler (a client-supplied
 * `configurable`, a server started without `auth`, the Studio bypass user) is refused.
 */
export interface DelegateServerUser {
  /** The owner key: equal to the Scalekit identifier (`user` or `organization/user`). */
  identity: string;
  display_name: string;
  is_authenticated: true;
  permissions: string[];
  delegate: { userId: string; organizationId?: string; proof: string };
}

const PROCESS_KEY = randomBytes(32);

function sign(identity: Identity): string {
  return createHmac("sha256", PROCESS_KEY)
    .update(JSON.stringify([identity.organizationId ?? null, identity.userId]))
    .digest("base64url");
}

export function toServerUser(identity: Identity): DelegateServerUser {
  const owner = scalekitIdentifier(identity);
  return {
    identity: owner,
    display_name: owner,
    is_authenticated: true,
    permissions: [],
    delegate: {
      userId: identity.userId,
      ...(identity.organizationId ? { organizationId: identity.organizationId } : {}),
      proof: sign(identity),
    },
  };
}

/** The identity a server user stands for, or undefined when it was not issued by this process. */
export function identityFromServerUser(user: unknown): Identity | undefined {
  if (typeof user !== "object" || user === null) return undefined;
  const delegate = (user as { delegate?: unknown }).delegate;
  if (typeof delegate !== "object" || delegate === null) return undefined;
  const { userId, organizationId, proof } = delegate as Record<string, unknown>;
  const parsed = IdentitySchema.safeParse({
    userId,
    ...(organizationId !== undefined ? { organizationId } : {}),
  });
  if (!parsed.success || typeof proof !== "string") return undefined;
  const expected = Buffer.from(sign(parsed.data));
  const given = Buffer.from(proof);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  // The owner key the server filtered threads by must be the same user.
  if ((user as { identity?: unknown }).identity !== scalekitIdentifier(parsed.data)) return undefined;
  return parsed.data;
}
