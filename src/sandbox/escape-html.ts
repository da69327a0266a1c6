import { lazyRequire } from "../lazy-require.js";

// Loaded by the first page or message that escapes, not with the emulators.
const entities = lazyRequire<typeof import("entities")>("entities");

/**
 * HTML escaping as Gmail writes it (`&#39;` for an apostrophe), for the emulators' snippets and
 * seeded bodies and for the sandbox's own pages. `escapeUTF8` escapes the same five characters
 * but writes `&apos;`; as it turns every `&` of the input into `&amp;`, each `&apos;` left is one
 * it wrote for an apostrophe.
 */
export function escapeHtml(text: string): string {
  return entities().escapeUTF8(text).replaceAll("&apos;", "&#39;");
}
