import { isMap, isPair, isScalar, isSeq, type Node, Parser, parseDocument, Scalar, visit } from "yaml";
import { type JsonPath, pathKey, readJson } from "./json-source.js";
import { describeIssues, type PathProblem } from "./schema-issues.js";
import { type Script, ScriptSchema } from "./script-schema.js";

export interface SourceLocation {
  line: number;
  column: number;
}

/** A problem in a script, at a place in its file. */
export interface ScriptProblem extends SourceLocation {
  file: string;
  message: string;
  /** The offending source line, for a caret under the column. */
  sourceLine?: string;
}

export interface LoadedScript {
  /** The name problems and results are reported under (the path, or `<stdin>`). */
  file: string;
  script: Script;
  /** Where the value at a path (e.g. `["turns", 2, "expect", "tools", 0]`) is written. */
  locate(path: JsonPath): SourceLocation;
  /** A problem about the value at a path, e.g. one this environment has with a valid script. */
  problem(path: JsonPath, message: string): ScriptProblem;
}

export type LoadResult = { ok: true; loaded: LoadedScript } | { ok: false; problems: ScriptProblem[] };

export type ScriptFormat = "yaml" | "json";

/** How many times a script may expand YAML aliases (`*name`): plenty for shared expectations. */
const MAX_ALIAS_COUNT = 100;

/** `.json` files are JSON; stdin that starts with `{` and reads as JSON is JSON; the rest is YAML. */
export function detectFormat(file: string, text: string): ScriptFormat {
  if (/\.json$/i.test(file)) return "json";
  if (/\.ya?ml$/i.test(file)) return "yaml";
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  return trimmed.startsWith("{") && readJson(text).ok ? "json" : "yaml";
}

/**
 * Parses and validates a script. Every problem (syntax or schema) comes back with the line
 * and column it is at, one problem per entry, never a stack trace.
 */
export function loadScript(
  text: string,
  file: string,
  format: ScriptFormat = detectFormat(file, text),
): LoadResult {
  const lines = lineStarts(text);
  const at = (offset: number, message: string): ScriptProblem => {
    const location = position(lines, offset);
    return { file, ...location, message, sourceLine: sourceLine(text, lines, location.line) };
  };

  let value: unknown;
  const lexical: ScriptProblem[] = [];
  let locateOffset: (path: JsonPath, target: "value" | "key") => number;
  if (format === "json") {
    const read = readJson(text);
    if (!read.ok) return { ok: false, problems: [at(read.offset, `invalid JSON: ${read.message}`)] };
    value = read.value;
    const { positions } = read;
    locateOffset = (path, target) => {
      for (let depth = path.length; depth >= 0; depth -= 1) {
        const key = pathKey(path.slice(0, depth));
        const offset =
          depth === path.length && target === "key" ? positions.key.get(key) : positions.value.get(key);
        if (offset !== undefined) return offset;
      }
      return 0;
    };
  } else {
    const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
    const [first] = document.errors;
    // Only the first syntax error: the ones after it are mostly its echoes.
    if (first) {
      const offset =
        first.code === "MISSING_CHAR" ? (openingQuote(text, first.pos[0]) ?? first.pos[0]) : first.pos[0];
      return { ok: false, problems: [at(offset, `invalid YAML: ${yamlMessage(first.message)}`)] };
    }
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // An alias bomb (aliases of aliases that expand exponentially) is refused, not expanded.
      const message = (error as Error).message;
      if (!/alias/i.test(message)) throw error;
      const unresolved = /^Unresolved alias .*: (.+)$/.exec(message)?.[1];
      if (unresolved) {
        return {
          ok: false,
          problems: [
            at(
              firstAlias(document, unresolved) ?? 0,
              `invalid YAML: *${unresolved} refers to no anchor (an &${unresolved} must come before it)`,
            ),
          ],
        };
      }
      return {
        ok: false,
        problems: [
          at(
            firstAlias(document) ?? 0,
            `invalid YAML: too many alias expansions (at most ${MAX_ALIAS_COUNT}); write the values out instead of repeating them with *aliases`,
          ),
        ],
      };
    }
    // `user: what's new in #engineering` silently loses "#engineering" to a YAML comment.
    visit(document, {
      Scalar(_, node) {
        if (
          node.type !== Scalar.PLAIN ||
          typeof node.value !== "string" ||
          !node.comment ||
          !/^\S/.test(node.comment)
        )
          return;
        const hidden = `#${node.comment.split(/\s/)[0]}`;
        lexical.push(
          at(
            node.range ? text.indexOf("#", node.range[1]) : 0,
            `"${hidden}" starts a YAML comment here, so this value ends at ${JSON.stringify(node.value)}; put the whole value in quotes`,
          ),
        );
      },
    });
    const root = document.contents as Node | null;
    locateOffset = (path, target) => {
      for (let depth = path.length; depth >= 0; depth -= 1) {
        const node = yamlNodeAt(root, path.slice(0, depth), depth === path.length ? target : "value");
        if (node?.range) return node.range[0];
      }
      return 0;
    };
  }

  if (value === null || value === undefined) {
    return { ok: false, problems: [at(0, "the script is empty: it needs at least `user:` and `turns:`")] };
  }
  const parsed = ScriptSchema.safeParse(value);
  if (!parsed.success || lexical.length > 0) {
    const problems = [
      ...lexical,
      ...(parsed.success ? [] : describeIssues(parsed.error.issues, value, ScriptSchema)).map(
        (problem: PathProblem) => at(locateOffset(problem.path, problem.at), problem.message),
      ),
    ];
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, problems };
  }
  return {
    ok: true,
    loaded: {
      file,
      script: parsed.data,
      locate: (path) => position(lines, locateOffset(path, "value")),
      problem: (path, message) => at(locateOffset(path, "value"), message),
    },
  };
}

/** `file:line:column: message`, then the line and a caret under the column. */
export function formatProblem(problem: ScriptProblem): string {
  const head = `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
  if (problem.sourceLine === undefined || problem.sourceLine.trim() === "") return head;
  const shown = problem.sourceLine.replace(/\t/g, " ");
  if (shown.length > 160) return head;
  return `${head}\n  ${shown}\n  ${" ".repeat(Math.max(0, problem.column - 1))}^`;
}

function yamlNodeAt(root: Node | null, path: JsonPath, target: "value" | "key"): Node | undefined {
  let current: unknown = root;
  for (let index = 0; index < path.length; index += 1) {
    const segment = path[index];
    const last = index === path.length - 1;
    if (isMap(current)) {
      const pair = current.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return undefined;
      if (last && target === "key") return pair.key as Node;
      current = pair.value;
    } else if (isSeq(current) && typeof segment === "number") {
      current = current.items[segment];
    } else {
      return undefined;
    }
  }
  return (current ?? undefined) as Node | undefined;
}

/** Where the first alias (`*name`, or of `name` only) is written, for a problem about aliases. */
function firstAlias(document: ReturnType<typeof parseDocument>, name?: string): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_, node) {
      if (node.range && (name === undefined || node.source === name))
        offset = Math.min(offset ?? Number.POSITIVE_INFINITY, node.range[0]);
    },
  });
  return offset;
}

/** Where an unterminated quoted value starts (YAML reports the end of the input). */
function openingQuote(text: string, before: number): number | undefined {
  let found: number | undefined;
  const walk = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    const token = node as { type?: unknown; offset?: unknown; source?: unknown };
    if (
      typeof token.type === "string" &&
      token.type.endsWith("quoted-scalar") &&
      typeof token.offset === "number" &&
      typeof token.source === "string" &&
      token.offset < before &&
      !token.source.trimEnd().endsWith(token.source[0] ?? "")
    ) {
      found = token.offset;
    }
    for (const value of Object.values(node)) walk(value);
  };
  for (const token of new Parser().parse(text)) walk(token);
  return found;
}

/** YAML's own messages, without the position suffix (we print our own). */
function yamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "").trim();
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index += 1) if (text[index] === "\n") starts.push(index + 1);
  return starts;
}

function position(starts: readonly number[], offset: number): SourceLocation {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}

function sourceLine(text: string, starts: readonly number[], line: number): string {
  const start = starts[line - 1] ?? 0;
  const end = starts[line] ?? text.length;
  return text.slice(start, end).replace(/\r?\n$/, "");
}
