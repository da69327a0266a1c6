/** One user's Exchange mailbox and calendar, seeded relative to the emulator's clock. */
import { hostileOutlookEvents, hostileOutlookMessages } from "../hostile-seeds.js";
import { htmlText } from "../mime.js";
import { sandboxAccount } from "../sandbox-account.js";
import {
  type GraphPerson,
  type StoredMessage,
  type StoredOutlookEvent,
  seedEvents,
  seedMessages,
} from "./outlook-seed.js";

export interface Mailbox {
  owner: GraphPerson;
  timeZone: string;
  messages: StoredMessage[];
  events: Map<string, StoredOutlookEvent>;
  deletedEvents: Set<string>;
}

/** What the endpoints need from the emulator's options. */
export interface GraphContext {
  now: () => Date;
  /** Largest page the server returns, whatever `$top` asks. */
  pageSizeLimit: number;
}

/** The work account the sandbox gives an end user. */
export function mailboxOwnerFor(identifier: string): GraphPerson {
  const { address, local } = sandboxAccount(identifier, "contoso.com");
  const name = local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join(" ");
  return { name, address };
}

export function seedMailbox(identifier: string, now: Date, timeZone: string, injections: boolean): Mailbox {
  const owner = mailboxOwnerFor(identifier);
  const seed = { now, timeZone, owner, identifier };
  return {
    owner,
    timeZone,
    messages: [...seedMessages(seed), ...(injections ? hostileOutlookMessages(seed) : [])],
    events: new Map(
      [...seedEvents(seed), ...(injections ? hostileOutlookEvents(seed) : [])].map((event) => [
        event.id,
        event,
      ]),
    ),
    deletedEvents: new Set(),
  };
}

/** The readable text of a message or event body (HTML without its markup). */
export function bodyText(item: { bodyType: "html" | "text"; body: string }): string {
  return item.bodyType === "html" ? htmlText(item.body) : item.body;
}
