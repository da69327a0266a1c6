import { describe, expect, it } from "vitest";
import {
  objectSchema,
  string,
  stringArray,
  stringEnum,
} from "../../../src/sandbox/hosted-catalog/json-schema.js";
import { ToolInput } from "../../../src/sandbox/hosted-catalog/tool-input.js";
import { HostedToolError } from "../../../src/sandbox/scalekit/index.js";

const refusal = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    return error instanceof HostedToolError ? error.message : error;
  }
  return undefined;
};

describe("the hosted catalog's tool input", () => {
  it("reads absent or null parameters as undefined and refuses the wrong type", () => {
    const input = new ToolInput({ a: "x", n: 3, flag: null, list: ["x"] });
    expect([input.string("a"), input.number("n"), input.boolean("flag"), input.string("b")]).toEqual([
      "x",
      3,
      undefined,
      undefined,
    ]);
    expect(refusal(() => input.number("a"))).toBe('"a" must be a number');
    expect(refusal(() => input.object("list"))).toBe('"list" must be a object');
  });

  it("requires non-blank strings and takes lists as arrays or comma-separated text", () => {
    const input = new ToolInput({ blank: "  ", to: "a@x.com, b@x.com,", ids: ["1", 2], sorts: {} });
    expect(refusal(() => input.required("blank"))).toBe('"blank" is required');
    expect(input.list("to")).toEqual(["a@x.com", "b@x.com"]);
    expect(refusal(() => input.list("ids"))).toBe('"ids" must be an array of strings');
    expect(refusal(() => input.array("sorts"))).toBe('"sorts" must be an array');
  });
});

describe("the hosted catalog's JSON Schema builders", () => {
  it("build closed objects in Scalekit's key order", () => {
    // Compared as text: the order of keys is what a model reads.
    const schema = objectSchema(
      { to: stringArray("Recipients"), kind: stringEnum(["a", "b"], "Kind"), note: string("Note") },
      ["to"],
    );
    expect(JSON.stringify(schema)).toBe(
      JSON.stringify({
        type: "object",
        properties: {
          to: { type: "array", items: { type: "string" }, description: "Recipients" },
          kind: { type: "string", enum: ["a", "b"], description: "Kind" },
          note: { type: "string", description: "Note" },
        },
        required: ["to"],
        additionalProperties: false,
      }),
    );
  });
});
