import type { z } from "zod";
import { clip, closestName } from "../../text.js";
import type { JsonPath } from "./json-source.js";
import { TURN_KINDS } from "./script-schema.js";

/** One schema problem, still without a line and column. */
export interface PathProblem {
  path: (string | number)[];
  /** Point at the member's key (unknown keys) rather than its value. */
  at: "value" | "key";
  message: string;
}

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** Friendlier words for unions whose every branch refused the value's kind. */
const UNION_HINTS: { test: (path: JsonPath) => boolean; text: string }[] = [
  { test: (path) => path.at(-2) === "tools", text: "a tool name, or { name, args?, result? }" },
  {
    test: (path) => path.at(-1) === "interrupt",
    text: "false (no authorization asked for) or { connectors: [...] }",
  },
  {
    test: (path) => path.at(-1) === "approval",
    text: "false (no approval asked for) or { tools?, targets?, reason? }",
  },
  {
    test: (path) => path.at(-1) === "approve" || path.at(-1) === "reject",
    text: "all, or a list of tool names",
  },
  { test: (path) => path.at(-1) === "error", text: "true or { code?, contains? }" },
  {
    test: (path) => path.at(-1) === "contains" || path.at(-1) === "not_contains",
    text: "a string or a list of strings",
  },
  {
    test: (path) => path.at(-2) === "turns",
    text: "{ user: <message> }, { auth: <action> }, { approve: all | [tools] } or { reject: all | [tools] }",
  },
];

/**
 * Turns zod issues into one readable problem each: unknown keys (with a "did you mean"), missing
 * keys, wrong types and values. Union failures are resolved to the branch the author meant.
 */
export function describeIssues(issues: readonly Issue[], input: unknown, schema: Schema): PathProblem[] {
  const problems: PathProblem[] = [];
  collect(issues, input, schema, [], problems);
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${JSON.stringify(problem.path)}|${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function collect(
  issues: readonly Issue[],
  input: unknown,
  schema: Schema,
  base: JsonPath,
  out: PathProblem[],
): void {
  for (const issue of issues) {
    const path = [...base, ...issue.path.map(toSegment)];
    const value = valueAt(input, path);
    const relative = issue.path.map(toSegment);
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = objectKeys(schemaAt(schema, relative, valueAt(input, base)));
        for (const key of issue.keys) {
          const suggestion = closestName(key, allowed);
          out.push({
            path: [...path, key],
            at: "key",
            message: `${label(path)}: unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}${
              allowed.length > 0 ? `; allowed: ${allowed.join(", ")}` : ""
            }`,
          });
        }
        break;
      }
      case "invalid_type": {
        if (value === undefined && path.length > 0) {
          out.push({
            path: path.slice(0, -1),
            at: "value",
            message: `${label(path.slice(0, -1))}: missing "${path.at(-1)}" (${expectedWord(issue.expected)})`,
          });
        } else {
          out.push({
            path,
            at: "value",
            message: `${label(path)}: expected ${expectedWord(issue.expected)}, got ${describeValue(value)}`,
          });
        }
        break;
      }
      case "invalid_value": {
        const options = issue.values.map((option) => String(option));
        const suggestion = typeof value === "string" ? closestName(value, options) : undefined;
        out.push({
          path,
          at: "value",
          message: `${label(path)}: ${describeValue(value)} is not one of ${options.join(", ")}${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        });
        break;
      }
      case "invalid_union": {
        const branches = unionOptions(schemaAt(schema, relative, valueAt(input, base), false));
        const kinds = isObject(value) ? TURN_KINDS.filter((kind) => kind in value) : [];
        if (path.at(-2) === "turns" && kinds.length > 1) {
          out.push({
            path,
            at: "value",
            message: `${label(path)}: a turn is one of a message (user:), an authorization action (auth:) or a decision (approve: / reject:), not both ${kinds.map((kind) => `${kind}:`).join(" and ")}`,
          });
          break;
        }
        // A turn with no kind at all: most likely its kind is misspelled (usr:, approv:).
        const misspelt =
          path.at(-2) === "turns" && isObject(value) && kinds.length === 0
            ? Object.keys(value).flatMap((key) => {
                const suggestion = closestName(key, TURN_KINDS);
                return suggestion ? [[key, suggestion] as const] : [];
              })[0]
            : undefined;
        if (misspelt) {
          out.push({
            path: [...path, misspelt[0]],
            at: "key",
            message: `${label(path)}: unknown key "${misspelt[0]}" (did you mean "${misspelt[1]}"?); a turn is a message (user:), an authorization action (auth:) or a decision (approve: / reject:)`,
          });
          break;
        }
        const chosen = chooseBranch(issue.errors, value, path);
        if (chosen !== undefined && branches[chosen]) {
          collect(issue.errors[chosen]!, input, branches[chosen], path, out);
        } else {
          const hint = UNION_HINTS.find((candidate) => candidate.test(path))?.text;
          const expected =
            hint ??
            [
              ...new Set(
                issue.errors.flatMap((branch) =>
                  branch.filter((item) => item.path.length === 0).map(branchWord),
                ),
              ),
            ].join(" or ");
          out.push({
            path,
            at: "value",
            message: `${label(path)}: expected ${expected}, got ${describeValue(value)}`,
          });
        }
        break;
      }
      case "too_small":
      case "too_big": {
        out.push({ path, at: "value", message: `${label(path)}: ${sizeMessage(issue, value)}` });
        break;
      }
      default:
        out.push({ path, at: "value", message: `${label(path)}: ${issue.message}` });
    }
  }
}

/**
 * The branch the author meant: for a turn, the one named by its `user`/`auth`/`approve`/`reject` key; otherwise a
 * branch that accepted the value's kind (no problem at its root), preferring the fewest problems.
 */
function chooseBranch(
  errors: readonly (readonly Issue[])[],
  value: unknown,
  path: JsonPath,
): number | undefined {
  if (path.at(-2) === "turns" && isObject(value)) {
    const kinds = TURN_KINDS.flatMap((kind, index) => (kind in value ? [index] : []));
    return kinds.length === 1 ? kinds[0] : undefined;
  }
  let best: number | undefined;
  errors.forEach((branch, index) => {
    const kindMismatch = branch.some(
      (item) => item.path.length === 0 && (item.code === "invalid_type" || item.code === "invalid_value"),
    );
    if (kindMismatch) return;
    if (best === undefined || branch.length < errors[best]!.length) best = index;
  });
  return best;
}

function sizeMessage(issue: Extract<Issue, { code: "too_small" | "too_big" }>, value: unknown): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message;
  const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const more = issue.code === "too_small";
  switch (issue.origin) {
    case "array":
      return more ? `needs at least ${bound} item${bound === 1 ? "" : "s"}` : `has more than ${bound} items`;
    case "string":
      return more
        ? bound === 1
          ? "must not be empty"
          : `needs at least ${bound} characters`
        : `is longer than ${bound} characters`;
    case "number":
      return `${describeValue(value)} must be ${more ? (issue.inclusive ? "at least" : "greater than") : issue.inclusive ? "at most" : "less than"} ${bound}`;
    default:
      return issue.message;
  }
}

function branchWord(issue: Issue): string {
  if (issue.code === "invalid_type") return expectedWord(issue.expected);
  if (issue.code === "invalid_value")
    return issue.values.map((option) => JSON.stringify(option)).join(" or ");
  return "a valid value";
}

function expectedWord(expected: string): string {
  switch (expected) {
    case "object":
    case "record":
      return "a mapping (key: value)";
    case "array":
      return "a list";
    case "string":
      return "a string";
    case "number":
    case "int":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return expected;
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(clip(value, 40));
  return `${typeof value} ${String(value)}`;
}

/** `turns[2].expect.tools[0]` — the path as a reader would write it. */
export function label(path: JsonPath): string {
  if (path.length === 0) return "script";
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === "number" ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment,
    "",
  );
}

function toSegment(segment: PropertyKey): string | number {
  return typeof segment === "number" ? segment : String(segment);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueAt(input: unknown, path: JsonPath): unknown {
  let current = input;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isObject(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  innerType?: Schema;
  valueType?: Schema;
  options?: Schema[];
  in?: Schema;
}

function def(schema: Schema): SchemaDef {
  return schema._zod.def as unknown as SchemaDef;
}

/** Strips optional/default/pipe wrappers. */
function unwrap(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth += 1) {
    const d = def(current);
    if (
      (d.type === "optional" || d.type === "default" || d.type === "nullable" || d.type === "prefault") &&
      d.innerType
    ) {
      current = d.innerType;
    } else if (d.type === "pipe" && d.in) {
      current = d.in;
    } else {
      return current;
    }
  }
  return current;
}

/** The schema at a path, resolving unions by the value actually written there. */
function schemaAt(schema: Schema, path: JsonPath, input: unknown, resolveLast = true): Schema | undefined {
  let current: Schema | undefined =
    path.length > 0 || resolveLast ? resolve(unwrap(schema), input) : unwrap(schema);
  let value = input;
  for (const [index, segment] of path.entries()) {
    if (!current) return undefined;
    value = valueAt(value, [segment]);
    const d = def(current);
    if (d.type === "object" && d.shape) current = unwrap(d.shape[String(segment)]);
    else if (d.type === "array" && d.element) current = unwrap(d.element);
    else if (d.type === "record" && d.valueType) current = unwrap(d.valueType);
    else return undefined;
    if (index < path.length - 1 || resolveLast) current = resolve(current, value);
  }
  return current;
}

/** For a union, the object option that shares the most keys with the value. */
function resolve(schema: Schema | undefined, value: unknown): Schema | undefined {
  if (!schema || def(schema).type !== "union" || !isObject(value)) return schema;
  let best: { option: Schema; score: number } | undefined;
  for (const option of unionOptions(schema).map(unwrap)) {
    if (!option) continue;
    const keys = objectKeys(option);
    if (keys.length === 0) continue;
    const score = Object.keys(value).filter((key) => keys.includes(key)).length;
    if (!best || score > best.score) best = { option, score };
  }
  return best?.option ?? schema;
}

function objectKeys(schema: Schema | undefined): string[] {
  const d = schema ? def(schema) : undefined;
  return d?.type === "object" && d.shape ? Object.keys(d.shape) : [];
}

function unionOptions(schema: Schema | undefined): Schema[] {
  const d = schema ? def(schema) : undefined;
  return d?.type === "union" && d.options ? d.options : [];
}
