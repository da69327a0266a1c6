const SLASHED = /^\/(.*)\/([a-z]*)$/s;

/**
 * A script's regular expression: `pattern` as written, or `/pattern/flags` (e.g. `/sent/i`).
 * Returns the RegExp, or a message saying what is wrong with it.
 */
export function compilePattern(source: string): RegExp | string {
  const slashed = SLASHED.exec(source);
  const body = slashed ? slashed[1]! : source;
  const flags = slashed ? slashed[2]! : "";
  if (body === "") return "the regular expression is empty";
  if (/[gy]/.test(flags))
    return `flag "${flags.match(/[gy]/)![0]}" is not allowed in a matcher (use i, m, s or u)`;
  try {
    return new RegExp(body, flags);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`;
  }
}

/** Compiles a pattern the schema already validated. */
export function pattern(source: string): RegExp {
  const compiled = compilePattern(source);
  if (typeof compiled === "string") throw new Error(compiled);
  return compiled;
}
