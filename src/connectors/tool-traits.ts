/**
 * What the approval gate needs to know about a tool, declared beside the tool: what it does to
 * the world, which of its arguments name who or where it acts on, and how to say in one line what
 * a call will do.
 */

/** `read` changes nothing; `write` creates or sends; `destructive` deletes or overwrites. */
export type Effect = "read" | "write" | "destructive";

/**
 * The kinds of target a write can name:
 * - `email`: an address, possibly `Display Name <address>` (recipients, attendees);
 * - `slack-conversation`: a channel (`#team`, `team`, `C0123…`) or a person (`@dana`, `U0123…`);
 * - `notion-parent`: a page or database (id, notion.so URL or title);
 * - `calendar-event`: an event a change or delete acts on (by id; named when the person named its
 *   title, as a Delegate tool returned it).
 */
export type TargetKind = "email" | "slack-conversation" | "notion-parent" | "calendar-event";

export interface TargetField {
  /** The argument holding the target(s): a string or an array of strings. */
  field: string;
  kind: TargetKind;
}

export interface ToolTraits {
  effect: Effect;
  /** Arguments that name who or where the call acts on; empty for reads. */
  targets: readonly TargetField[];
  /** One line for a person, e.g. `Send email to sam@example.com — "Lunch" (42 words)`. */
  summarize?: (args: Record<string, unknown>) => string;
  /**
   * Set for tools whose targets Delegate only guesses (Scalekit-hosted ones): a write naming no
   * target Delegate recognises may act anywhere, so `auto` asks instead of running it.
   */
  targetsInferred?: true;
}

const READ_WORDS =
  /(^|_)(list|get|fetch|search|query|read|find|view|lookup|describe|count|history|content)(_|$)/;
/** A name that starts with a read verb and goes on with what it reads. */
const READ_VERB_FIRST = /^(get|list|fetch|search|read|find)_[a-z0-9]/;
/** Verbs that change something: they win over read words (`notion_page_content_append` writes). */
const WRITE_WORDS =
  /(^|_)(create|send|post|append|add|insert|write|invite|share|reply|forward|upload|publish|set|put|patch|draft|comment|react|schedule|copy|import|submit|save|upsert)(_|$)/;
const DESTRUCTIVE_WORDS =
  /(^|_)(delete|remove|archive|trash|update|modify|replace|overwrite|move|clear|revoke|cancel|edit|rename|kick|leave)(_|$)/;

/** Argument names Scalekit's hosted tools (and common APIs) use for targets. */
const TARGET_FIELDS: Readonly<Record<string, TargetKind>> = {
  to: "email",
  cc: "email",
  bcc: "email",
  toRecipients: "email",
  ccRecipients: "email",
  bccRecipients: "email",
  attendees: "email",
  attendees_emails: "email",
  attendees_required: "email",
  attendees_optional: "email",
  recipients: "email",
  channel: "slack-conversation",
  channels: "slack-conversation",
  channel_id: "slack-conversation",
  user: "slack-conversation",
  parent_page_id: "notion-parent",
  database_id: "notion-parent",
  parent_id: "notion-parent",
  page_id: "notion-parent",
  block_id: "notion-parent",
  event_id: "calendar-event",
  calendar_id: "calendar-event",
};

/**
 * The traits of a Scalekit-hosted tool, from its definition's annotations when it has them,
 * else from its name. Anything not clearly a read is at least a `write`: an unknown tool must
 * never be treated as harmless.
 */
export function inferHostedTraits(definition: {
  name: string;
  readOnly?: boolean | undefined;
  destructive?: boolean | undefined;
  inputSchema: Record<string, unknown>;
}): ToolTraits {
  const action = definition.name.replace(/^[a-z0-9]+_/, "");
  // The stronger reading wins: an annotation or a verb that says "destructive", then one that
  // says "write"; a read only when nothing says otherwise.
  // A read verb first with a `readOnly` annotation is a read of the noun after it, even when the
  // noun is a write word (`get_draft`, `list_comments`, `fetch_reply`).
  let effect: Effect;
  if (definition.destructive === true || DESTRUCTIVE_WORDS.test(action)) effect = "destructive";
  else if (definition.readOnly === true && READ_VERB_FIRST.test(action)) effect = "read";
  else if (definition.readOnly === false || WRITE_WORDS.test(action)) effect = "write";
  else if (definition.readOnly === true || READ_WORDS.test(action)) effect = "read";
  else effect = "write";
  const properties = (definition.inputSchema.properties ?? {}) as Record<string, unknown>;
  const targets =
    effect === "read"
      ? []
      : Object.keys(properties).flatMap((field) => {
          const kind = TARGET_FIELDS[field];
          return kind ? [{ field, kind }] : [];
        });
  return { effect, targets, targetsInferred: true };
}
