/** Text and time helpers that turn Gmail's wire data into compact, model-friendly values. */

/** The longest message body handed to the model; longer bodies are cut and flagged. */
export const BODY_LIMIT = 6000;

export function truncate(text: string, limit: number): { text: string; truncated: boolean } {
  if (text.length <= limit) return { text, truncated: false };
  // Cut at a word boundary when one is near, so the model never sees half a word.
  const cut = text.lastIndexOf(" ", limit);
  const end = cut > limit - 200 ? cut : limit;
  return { text: `${text.slice(0, end).trimEnd()} …`, truncated: true };
}

/**
 * An instant as ISO 8601 with the offset of `timeZone` (e.g. `2025-03-04T09:30:00-05:00`), so the
 * model reads times as the user lives them. Falls back to UTC for an unknown zone.
 */
export function toZonedIso(date: Date, timeZone: string): string {
  let parts: Record<string, string>;
  try {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  } catch {
    return `${date.toISOString().slice(0, 19)}Z`;
  }
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const absolute = Math.abs(offsetMinutes);
  const hh = String(Math.floor(absolute / 60)).padStart(2, "0");
  const mm = String(absolute % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  bull: "•",
  middot: "·",
  copy: "©",
  reg: "®",
  trade: "™",
  euro: "€",
  pound: "£",
  rarr: "→",
  larr: "←",
  zwnj: "",
};

/** Decodes HTML character references; Gmail's snippets arrive HTML-escaped. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Readable text from an HTML body: block elements become line breaks, everything else is dropped. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "\n- ")
    .replace(/<\/(p|div|h[1-6]|tr|table|ul|ol|blockquote|section|article|header|footer)\s*>/gi, "\n\n")
    .replace(
      /<a\b[^>]*href="(https?:[^"]+)"[^>]*>([\s\S]*?)<\/a>/gi,
      (_whole, href: string, label: string) => {
        const inner = label.replace(/<[^>]+>/g, "").trim();
        return inner && inner !== href ? `${inner} (${href})` : href;
      },
    )
    .replace(/<[^>]+>/g, "");
  return normalizeWhitespace(decodeEntities(text));
}

/** Collapses runs of spaces and blank lines that mail bodies accumulate. */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\u00a0]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
