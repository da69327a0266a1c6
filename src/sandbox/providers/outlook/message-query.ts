/** Graph's message queries: `$filter` (a few properties, `and`) and `$search` (KQL terms). */
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { badRequest, parseUtcDefault } from "./graph-wire.js";
import { bodyText } from "./mailbox.js";
import type { GraphPerson, StoredMessage } from "./outlook-seed.js";

export interface FilterClause {
  property: string;
  operator: string;
  value: string | number | boolean;
}

const FILTERABLE: Readonly<Record<string, string>> = {
  receiveddatetime: "receivedDateTime",
  isread: "isRead",
  "from/emailaddress/address": "from/emailAddress/address",
  importance: "importance",
  hasattachments: "hasAttachments",
};

export function parseFilter(text: string): FilterClause[] | ProviderHttpResponse {
  const clauses: FilterClause[] = [];
  for (const part of text.split(/\s+and\s+/i)) {
    const match = /^\s*([\w/]+)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*$/i.exec(part);
    if (!match) return badRequest(`Invalid filter clause: '${part.trim()}'.`);
    const [, rawProperty = "", operator = "", rawValue = ""] = match;
    const property = FILTERABLE[rawProperty.toLowerCase()];
    if (!property)
      return badRequest(
        `Could not find a property named '${rawProperty}' on type 'microsoft.graph.message'.`,
      );
    let value: string | number | boolean;
    if (/^(true|false)$/i.test(rawValue)) value = rawValue.toLowerCase() === "true";
    else if (/^'.*'$/.test(rawValue)) value = rawValue.slice(1, -1).replace(/''/g, "'");
    else {
      const instant = parseUtcDefault(rawValue);
      if (instant === undefined) return badRequest(`Syntax error at position 0 in '${rawValue}'.`);
      value = instant;
    }
    clauses.push({ property, operator: operator.toLowerCase(), value });
  }
  return clauses;
}

export function filterValue(message: StoredMessage, property: string): string | number | boolean {
  switch (property) {
    case "receivedDateTime":
      return message.received;
    case "isRead":
      return message.isRead;
    case "from/emailAddress/address":
      return message.from.address;
    case "importance":
      return message.importance;
    default:
      return message.hasAttachments;
  }
}

/** KQL as Graph applies it to messages: `prop:value` terms and free terms, all required. */
export function searchMatcher(text: string): (message: StoredMessage) => boolean {
  const value = text.trim().replace(/^"([\s\S]*)"$/, "$1");
  const terms: { property?: string; value: string }[] = [];
  for (const match of value.matchAll(/(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)) {
    if (match[4] === "AND") continue;
    if (match[1]) terms.push({ property: match[1].toLowerCase(), value: (match[2] ?? "").replace(/"/g, "") });
    else terms.push({ value: match[3] ?? match[4] ?? "" });
  }
  const people = (list: GraphPerson[]) => list.map((p) => `${p.name ?? ""} ${p.address}`).join(" ");
  return (message) => {
    const fields: Record<string, string> = {
      from: people([message.from]),
      to: people(message.to),
      cc: people(message.cc),
      subject: message.subject,
      body: bodyText(message),
    };
    fields.participants = `${fields.from} ${fields.to} ${fields.cc}`;
    fields.recipients = `${fields.to} ${fields.cc}`;
    return terms.every((term) => {
      const needle = term.value.toLowerCase();
      if (!needle) return true;
      const haystack = term.property
        ? (fields[term.property] ?? "")
        : `${fields.from} ${fields.subject} ${fields.body}`;
      return haystack.toLowerCase().includes(needle);
    });
  };
}
