/**
 * Text helpers shared by Delegate's core (connectors, CLI, agent). The sandbox keeps its own
 * (src/sandbox/demo-model/text.ts): these are not public API.
 */

const CONJUNCTION = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

/** "Gmail", "Gmail and Slack", "Gmail, Slack, and Notion"; repeated names are said once. */
export function joinNames(names: Iterable<string>): string {
  return CONJUNCTION.format([...new Set(names)]);
}

/**
 * Cuts a text to at most `max` characters, ellipsis included, so one item cannot flood a context
 * or a line. The cut falls on a space when one is near the end, so no word is split in half.
 */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const hard = Math.max(0, max - 1);
  const space = text.lastIndexOf(" ", hard);
  const end = space > hard * 0.8 ? space : hard;
  return { text: `${text.slice(0, end).trimEnd()}…`, truncated: true };
}

/**
 * Cuts a text to at most `max` characters, ellipsis included, at exactly that point (no search for
 * a space): for JSON and other values where words are not the unit, and for content whose length
 * is a budget.
 */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * A text as one line of at most `max` characters: every run of whitespace (line breaks included)
 * becomes one space, and the rest is cut by `truncate`. For logs and summaries, never for what a
 * person wrote to the model.
 */
export function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, " ").trim(), max).text;
}

/** The allowed word nearest to a typo, if it is near enough to be a likely slip. */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best.distance <= limit ? best.candidate : undefined;
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
