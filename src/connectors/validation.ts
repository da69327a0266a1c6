import type { z } from "zod";

/** What is wrong with `value` for a zod schema, in one line; undefined when it is valid. */
export function zodProblems(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
}
