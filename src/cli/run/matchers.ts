import { clip } from "../../text.js";
import { pattern } from "./patterns.js";

/**
 * Argument matchers of a script's `tools` expectations:
 * - `{ matches: regex }`: a string value matches (other values: their JSON text does);
 * - `{ contains: text }`: a string value contains the text, a list has an element that equals or
 *   contains it (case-insensitive);
 * - a mapping: every key it lists matches (keys it does not list are ignored), recursively;
 * - a list: same length, element by element;
 * - anything else: equal.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Matcher = { kind: "matches"; source: string } | { kind: "contains"; text: string };

function asMatcher(expected: unknown): Matcher | undefined {
  if (!isPlainObject(expected)) return undefined;
  const keys = Object.keys(expected);
  if (keys.length !== 1) return undefined;
  if (typeof expected.matches === "string") return { kind: "matches", source: expected.matches };
  if (typeof expected.contains === "string") return { kind: "contains", text: expected.contains };
  return undefined;
}

/** Why `actual` does not match `expected`, or undefined when it does. `where` names the value. */
export function mismatch(expected: unknown, actual: unknown, where: string): string | undefined {
  const matcher = asMatcher(expected);
  if (matcher?.kind === "matches") {
    const regex = pattern(matcher.source);
    const text = typeof actual === "string" ? actual : JSON.stringify(actual);
    if (actual !== undefined && regex.test(text ?? "")) return undefined;
    return `${where}: expected to match ${regex}, got ${show(actual)}`;
  }
  if (matcher?.kind === "contains") {
    return containsText(actual, matcher.text)
      ? undefined
      : `${where}: expected to contain ${JSON.stringify(matcher.text)}, got ${show(actual)}`;
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return `${where}: expected a mapping, got ${show(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      const problem = mismatch(value, actual[key], `${where}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${where}: expected a list, got ${show(actual)}`;
    if (actual.length !== expected.length) {
      return `${where}: expected ${expected.length} item${expected.length === 1 ? "" : "s"}, got ${show(actual)}`;
    }
    for (const [index, value] of expected.entries()) {
      const problem = mismatch(value, actual[index], `${where}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  return Object.is(expected, actual)
    ? undefined
    : `${where}: expected ${show(expected)}, got ${show(actual)}`;
}

export function containsText(actual: unknown, text: string): boolean {
  const wanted = text.toLowerCase();
  if (typeof actual === "string") return actual.toLowerCase().includes(wanted);
  if (Array.isArray(actual)) return actual.some((item) => containsText(item, text));
  if (actual === undefined) return false;
  return (JSON.stringify(actual) ?? "").toLowerCase().includes(wanted);
}

/** `contains "x"`, `matches /y/`, or the JSON literal: how an expected value reads in a report. */
export function describeExpected(expected: unknown): string {
  const matcher = asMatcher(expected);
  if (matcher?.kind === "matches") return `matches ${pattern(matcher.source)}`;
  if (matcher?.kind === "contains") return `contains ${JSON.stringify(matcher.text)}`;
  if (isPlainObject(expected)) {
    return `{ ${Object.entries(expected)
      .map(([key, value]) => `${key}: ${describeExpected(value)}`)
      .join(", ")} }`;
  }
  if (Array.isArray(expected)) return `[${expected.map(describeExpected).join(", ")}]`;
  return JSON.stringify(expected);
}

export function show(value: unknown, max = 160): string {
  if (value === undefined) return "nothing";
  return clip(JSON.stringify(value) ?? String(value), max);
}
