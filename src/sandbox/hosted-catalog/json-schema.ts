/** Builders for the JSON Schema of a tool's `input_schema`, in the key order Scalekit lists. */

export type Property = Record<string, unknown>;

// A type, not an interface: HostedTool's `input_schema` is a plain record.
export type ObjectSchema = {
  type: "object";
  properties: Record<string, Property>;
  required: string[];
  additionalProperties: false;
};

/** A closed object: parameters outside `properties` are refused, as Scalekit's validation does. */
export function objectSchema(properties: Record<string, Property>, required: string[] = []): ObjectSchema {
  return { type: "object", properties, required, additionalProperties: false };
}

export const string = (description: string): Property => ({ type: "string", description });
export const integer = (description: string, minimum?: number, maximum?: number): Property => ({
  type: "integer",
  description,
  ...(minimum !== undefined && { minimum }),
  ...(maximum !== undefined && { maximum }),
});
export const boolean = (description: string): Property => ({ type: "boolean", description });
export const object = (description: string): Property => ({ type: "object", description });
export const stringEnum = (values: readonly string[], description: string): Property => ({
  type: "string",
  enum: [...values],
  description,
});
export const stringArray = (description: string): Property => arrayOf("string", description);
export const objectArray = (description: string): Property => arrayOf("object", description);

function arrayOf(itemType: string, description: string): Property {
  return { type: "array", items: { type: itemType }, description };
}
