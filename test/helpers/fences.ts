/** Every string in `value` (a tool result) that is not inside an `untrusted_text` fence. */
export function bareStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap(bareStrings);
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
    key === "untrusted_text" ? [] : bareStrings(item),
  );
}
