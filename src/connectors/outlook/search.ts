/**
 * Builds the `/me/messages` query for a search. Graph refuses `$search` together with `$filter` or
 * `$orderby`, so free text and sender names go through `$search` (KQL, newest first by design) and
 * unread-only is then applied locally; exact sender addresses and unread-only without text go
 * through `$filter`, which must start with the `$orderby` property or Graph answers
 * `InefficientFilter`.
 */

export interface MessageSearchInput {
  query?: string | undefined;
  from?: string | undefined;
  unread_only?: boolean | undefined;
  max_results: number;
}

export interface MessageQueryPlan {
  query: Record<string, string | number>;
  /** Filter `isRead` on the answer because `$search` cannot carry it. */
  unreadLocally: boolean;
}

export const MESSAGE_LIST_FIELDS = [
  "id",
  "conversationId",
  "subject",
  "from",
  "toRecipients",
  "receivedDateTime",
  "bodyPreview",
  "isRead",
  "importance",
  "hasAttachments",
].join(",");

/** Over-fetch when unread-only must be applied locally after `$search`. */
const LOCAL_FILTER_PAGE = 50;

/** KQL terms cannot contain the double quotes that delimit the `$search` value. */
function kqlTerm(text: string): string {
  return text.replace(/["\\]/g, " ").replace(/\s+/g, " ").trim();
}

function odataString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function planMessageQuery(input: MessageSearchInput): MessageQueryPlan {
  const query = input.query ? kqlTerm(input.query) : "";
  const from = input.from?.trim() ?? "";
  const exactSender = /^[^\s@]+@[^\s@]+$/.test(from);
  if (query || (from && !exactSender)) {
    // One from: term per word, so "Morgan Lee" needs both words in the sender, not Lee anywhere.
    const senderTerms = from
      ? kqlTerm(from)
          .split(" ")
          .filter(Boolean)
          .map((word) => `from:${word}`)
      : [];
    const terms = [...senderTerms, query].filter(Boolean);
    return {
      query: {
        $search: `"${terms.join(" AND ")}"`,
        $top: input.unread_only ? Math.max(LOCAL_FILTER_PAGE, input.max_results) : input.max_results,
        $select: MESSAGE_LIST_FIELDS,
      },
      unreadLocally: Boolean(input.unread_only),
    };
  }
  const clauses: string[] = [];
  if (from) clauses.push(`from/emailAddress/address eq ${odataString(from)}`);
  if (input.unread_only) clauses.push("isRead eq false");
  const query_: Record<string, string | number> = {
    $top: input.max_results,
    $select: MESSAGE_LIST_FIELDS,
    $orderby: "receivedDateTime desc",
  };
  if (clauses.length > 0)
    query_.$filter = ["receivedDateTime ge 1900-01-01T00:00:00Z", ...clauses].join(" and ");
  return { query: query_, unreadLocally: false };
}
