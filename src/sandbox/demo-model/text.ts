/** Small string helpers shared by the intent matchers and the summaries. */

const POLITE_PREFIX =
  /^(?:(?:hey|hi|ok|okay)\s+(?:delegate\s*)?[,!]?\s*)?(?:please\s+|can you\s+|could you\s+|would you\s+)*/i;

/** Straight quotes, single spaces, no polite prefix or trailing punctuation. */
export function normalizeRequest(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
    .replace(/\s+/g, " ")
    .trim()
    .replace(POLITE_PREFIX, "")
    .replace(/(?:\s*\bplease)?[\s.!?]*$/i, "")
    .trim();
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Removes one pair of surrounding quotes, if any. */
export function unquote(text: string): string {
  const trimmed = text.trim();
  const match = /^(['"])([\s\S]*)\1$/.exec(trimmed);
  return match ? (match[2] ?? "").trim() : trimmed;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

export function findEmails(text: string): string[] {
  return [...new Set(text.match(EMAIL) ?? [])];
}

/** "sam.lee@example.com" → "Sam" (first name-ish part of the local part). */
export function nameFromEmail(email: string): string {
  const local = email.split("@")[0] ?? email;
  const first = local.split(/[._+-]/)[0] || local;
  return capitalize(first.toLowerCase());
}

// joinNames, truncate and clip resemble src/text.ts's but stay here: the sandbox may use only the
// public API, and a string helper is no part of what Delegate supports for embedders. They also
// differ (no de-duplication, cuts with no search for a space, whitespace trimmed), and the demo
// model's replies depend on that.
const CONJUNCTION = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

/** "Sam", "Sam and Dana", "Sam, Dana, and Lee". */
export function joinNames(names: readonly string[]): string {
  return CONJUNCTION.format(names);
}

/** A single plural word becomes singular ("invoices" → "invoice"); phrases stay as they are. */
export function singularizeWord(query: string): string {
  if (!/^[a-z]+$/i.test(query)) return query;
  if (/ies$/i.test(query) && query.length > 4) return `${query.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/i.test(query) || query.length <= 3) return query;
  return query.replace(/s$/i, "");
}

export function stripArticles(text: string): string {
  return text.replace(/^(?:the|my|a|an|our)\s+/i, "").trim();
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** Shortens text to a length, keeping its line breaks. */
export function clip(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1).trimEnd()}…`;
}

/** Character ranges covered by quoted text, so separators inside quotes are not split on. */
export function quotedRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const quoted = /(^|\s)(['"])(.+?)\2(?=$|\s|[,.?!;:])/g;
  for (let match = quoted.exec(text); match; match = quoted.exec(text)) {
    const start = match.index + (match[1]?.length ?? 0);
    ranges.push([start, match.index + match[0].length]);
  }
  return ranges;
}
