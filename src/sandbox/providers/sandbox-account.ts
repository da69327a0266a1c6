/** A loose email address check, as Google and Graph apply it to attendees and recipients. */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The account the sandbox gives an end user: the last `/` segment of their identifier when it is
 * an email address, else that segment made into a local part at `domain`. `local` is the
 * address's local part, tidied, for a display name.
 */
export function sandboxAccount(identifier: string, domain: string): { address: string; local: string } {
  const last = identifier.split("/").at(-1) ?? identifier;
  const isEmail = EMAIL.test(last);
  const local =
    (isEmail ? (last.split("@")[0] ?? last) : last)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, ".")
      .replace(/^\.+|\.+$/g, "") || "user";
  return { address: isEmail ? last.toLowerCase() : `${local}@${domain}`, local };
}
