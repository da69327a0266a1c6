/**
 * HTML escaping as Gmail writes it (`&#39;` for an apostrophe), for the emulators' snippets and
 * seeded bodies and for the sandbox's own pages.
 */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
