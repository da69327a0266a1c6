/** Read-only snapshots of a mailbox, for tests and the demo: changing one changes nothing. */
import { attachments, messageText } from "../mime.js";
import { GMAIL_SANDBOX_ADDRESS } from "./gmail-seed.js";
import { type Mailbox, newestFirst, type StoredMessage } from "./mailbox.js";

/** A read-only view of one stored message, for tests and the demo. */
export interface GmailMessageView {
  id: string;
  threadId: string;
  labelIds: string[];
  internalDate: Date;
  /** Header values by lower-case name (the last one wins). */
  headers: Record<string, string>;
  /** The readable body text. */
  text: string;
  attachments: string[];
}

export interface GmailMailboxView {
  address: string;
  /** Newest first. */
  messages: GmailMessageView[];
  drafts: { id: string; messageId: string }[];
}

export function mailboxView(box: Mailbox): GmailMailboxView {
  return {
    address: GMAIL_SANDBOX_ADDRESS,
    messages: newestFirst([...box.messages.values()]).map(messageView),
    drafts: [...box.drafts].map(([id, messageId]) => ({ id, messageId })),
  };
}

function messageView(message: StoredMessage): GmailMessageView {
  return {
    id: message.id,
    threadId: message.threadId,
    labelIds: [...message.labelIds],
    internalDate: new Date(message.internalDate),
    headers: Object.fromEntries(
      message.root.headers.map((header) => [header.name.toLowerCase(), header.value]),
    ),
    text: messageText(message.root),
    attachments: attachments(message.root).map((part) => part.filename),
  };
}
