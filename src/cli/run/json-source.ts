/**
 * A small JSON reader that remembers where every value (and every object key) starts, so a
 * schema problem at `turns[2].expect` can be reported at its line and column. It follows
 * RFC 8259 strictly and reports the offset of the first syntax error.
 */

export type JsonPath = readonly (string | number)[];

export interface JsonPositions {
  /** Offset where the value at `path` starts. */
  value: Map<string, number>;
  /** Offset of the key that names the member at `path`. */
  key: Map<string, number>;
}

export type JsonReadResult =
  | { ok: true; value: unknown; positions: JsonPositions }
  | { ok: false; offset: number; message: string };

export function pathKey(path: JsonPath): string {
  return JSON.stringify(path);
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export function readJson(text: string): JsonReadResult {
  const positions: JsonPositions = { value: new Map(), key: new Map() };
  let index = 0;

  const fail = (message: string, at = index): never => {
    throw new JsonSyntaxError(at, message);
  };
  const skipSpace = () => {
    while (index < text.length && " \t\n\r".includes(text[index]!)) index += 1;
  };
  const describe = (at: number) => (at >= text.length ? "the end of the input" : `"${text[at]}"`);

  const readString = (): string => {
    const start = index;
    index += 1;
    while (index < text.length) {
      const char = text[index]!;
      if (char === '"') {
        index += 1;
        return JSON.parse(text.slice(start, index)) as string;
      }
      if (char === "\\") {
        const next = text[index + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6)))
            fail("invalid \\u escape in a string");
          index += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) fail("invalid escape in a string");
        index += 2;
        continue;
      }
      if (char.charCodeAt(0) < 0x20) fail("a string cannot hold a raw line break or control character");
      index += 1;
    }
    return fail("unterminated string", start);
  };

  const readValue = (path: JsonPath): unknown => {
    skipSpace();
    positions.value.set(pathKey(path), index);
    const char = text[index];
    if (char === "{") return readObject(path);
    if (char === "[") return readArray(path);
    if (char === '"') return readString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(index, index + 400),
    );
    if (!literal) return fail(`expected a value, found ${describe(index)}`);
    index += literal[0].length;
    return JSON.parse(literal[0]);
  };

  const readObject = (path: JsonPath): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    index += 1;
    skipSpace();
    if (text[index] === "}") {
      index += 1;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[index] !== '"') fail(`expected a double-quoted property name, found ${describe(index)}`);
      const keyAt = index;
      const key = readString();
      if (Object.hasOwn(result, key)) fail(`duplicate key "${key}"`, keyAt);
      skipSpace();
      if (text[index] !== ":") fail(`expected ":" after the property name, found ${describe(index)}`);
      index += 1;
      const memberPath = [...path, key];
      positions.key.set(pathKey(memberPath), keyAt);
      result[key] = readValue(memberPath);
      skipSpace();
      if (text[index] === ",") {
        index += 1;
        continue;
      }
      if (text[index] === "}") {
        index += 1;
        return result;
      }
      fail(`expected "," or "}" after a property value, found ${describe(index)}`);
    }
  };

  const readArray = (path: JsonPath): unknown[] => {
    const result: unknown[] = [];
    index += 1;
    skipSpace();
    if (text[index] === "]") {
      index += 1;
      return result;
    }
    for (;;) {
      result.push(readValue([...path, result.length]));
      skipSpace();
      if (text[index] === ",") {
        index += 1;
        continue;
      }
      if (text[index] === "]") {
        index += 1;
        return result;
      }
      fail(`expected "," or "]" after an array element, found ${describe(index)}`);
    }
  };

  try {
    if (text.charCodeAt(0) === 0xfeff) index = 1;
    const value = readValue([]);
    skipSpace();
    if (index < text.length) fail(`unexpected ${describe(index)} after the JSON value`);
    return { ok: true, value, positions };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, offset: error.offset, message: error.message };
    throw error;
  }
}
