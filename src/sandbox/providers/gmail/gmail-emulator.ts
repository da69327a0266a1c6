/**
 * A wire-compatible stand-in for the parts of the Gmail API (v1) Delegate's tools use:
 * messages.list (with a useful subset of Gmail search), messages.get, threads.get,
 * messages.send, drafts.create and getProfile. Every user gets their own mailbox, seeded lazily.
 */
import { perUser } from "../per-user.js";
import { googleError, type ProviderEmulator, type ProviderHttpRequest } from "../provider-emulator.js";
import { createDraft, sendMessage } from "./compose.js";
import { insufficientScope, notFound, unauthorized } from "./gmail-errors.js";
import { GMAIL_SANDBOX_ADDRESS } from "./gmail-seed.js";
import { type GmailMailboxView, mailboxView } from "./inspect.js";
import { emptyMailbox } from "./mailbox.js";
import { getMessage, getThread, listMessages, profile } from "./messages.js";
import { seedMailbox } from "./seed-mailbox.js";

export type { GmailMailboxView, GmailMessageView } from "./inspect.js";
export { compileQuery } from "./search.js";

export const GMAIL_SCOPES = {
  readonly: "https://www.googleapis.com/auth/gmail.readonly",
  send: "https://www.googleapis.com/auth/gmail.send",
  compose: "https://www.googleapis.com/auth/gmail.compose",
} as const;

export interface GmailEmulatorOptions {
  now?: () => Date;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

export interface GmailEmulator extends ProviderEmulator {
  /** A snapshot of a user's mailbox (seeding it if needed); changing it changes nothing. */
  inspect(identifier: string): GmailMailboxView;
}

const BASE = "/gmail/v1/users/";

export function createGmailEmulator(options: GmailEmulatorOptions = {}): GmailEmulator {
  const now = options.now ?? (() => new Date());
  const mailbox = perUser(() => {
    const box = emptyMailbox();
    seedMailbox(box, now(), options.injections === true);
    return box;
  });

  return {
    connector: "gmail",
    pathPrefixes: ["/gmail/v1/"],
    unauthorized,
    insufficientScope,

    requiredScope(request) {
      if (request.method === "POST" && request.path.endsWith("/messages/send")) return GMAIL_SCOPES.send;
      if (request.method === "POST" && request.path.endsWith("/drafts")) return GMAIL_SCOPES.compose;
      return GMAIL_SCOPES.readonly;
    },

    handle(request: ProviderHttpRequest) {
      if (!request.path.startsWith(BASE)) return notFound();
      const [userId = "", ...rest] = request.path.slice(BASE.length).split("/");
      const user = decodeURIComponent(userId);
      if (user !== "me" && user.toLowerCase() !== GMAIL_SANDBOX_ADDRESS) {
        return googleError(403, `Delegation denied for ${GMAIL_SANDBOX_ADDRESS}`, "forbidden");
      }
      const box = mailbox(request.grant.identifier);
      const [collection, id, extra] = rest.map((part) => decodeURIComponent(part));
      const method = request.method.toUpperCase();

      if (collection === "profile" && id === undefined && method === "GET") return profile(box);
      if (collection === "messages" && extra === undefined) {
        if (id === undefined && method === "GET") return listMessages(box, request.query, now());
        if (id === "send" && method === "POST") return sendMessage(box, request.body, now());
        if (id !== undefined && method === "GET") return getMessage(box, id, request.query);
      }
      if (collection === "threads" && id !== undefined && extra === undefined && method === "GET") {
        return getThread(box, id, request.query);
      }
      if (collection === "drafts" && id === undefined && method === "POST")
        return createDraft(box, request.body, now());
      return notFound();
    },

    inspect(identifier: string): GmailMailboxView {
      return mailboxView(mailbox(identifier));
    },
  };
}
