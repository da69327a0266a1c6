import { z } from "zod";

/**
 * The end user the agent acts for. It travels in LangGraph's `context` on every invoke and
 * resume; no tool schema carries it, so the model can never choose whose account is used.
 */
// "/" separates organisation and user in the Scalekit identifier, so neither part may hold one:
// otherwise {userId:"acme/bob"} and {organizationId:"acme", userId:"bob"} would share an account.
const idPart = (name: string) =>
  z
    .string()
    .min(1, `${name} must not be empty`)
    .max(256)
    .refine((value) => !value.includes("/"), `${name} must not contain "/"`);

export const IdentitySchema = z.object({
  userId: idPart("userId"),
  organizationId: idPart("organizationId").optional(),
});
export type Identity = z.infer<typeof IdentitySchema>;

/**
 * The Scalekit connected-account `identifier` for an identity. Organisation-scoped users get a
 * prefixed identifier so the same user id in two organisations never shares an account.
 */
export function scalekitIdentifier(identity: Identity): string {
  return identity.organizationId ? `${identity.organizationId}/${identity.userId}` : identity.userId;
}

/** Where a run's identity comes from: the run's `context`, unless the host fixed it (server auth). */
/** The same person: the same user id in the same organization (or both in none). */
export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.userId === b.userId && (a.organizationId ?? "") === (b.organizationId ?? "");
}

export type IdentityResolver = (context: unknown) => Identity;

export const identityFromContext: IdentityResolver = (context) => IdentitySchema.parse(context);
