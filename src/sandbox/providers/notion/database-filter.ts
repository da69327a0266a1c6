import { validation } from "./notion-wire.js";
import { type NotionRichText, plain, type StoredDatabase, type StoredPage } from "./workspace.js";

/** Evaluates the subset of Notion's filter language used against the seeded property types. */
export function matchesFilter(
  database: StoredDatabase,
  page: StoredPage,
  filter: Record<string, unknown>,
  field: string,
): boolean {
  if (Array.isArray(filter.and))
    return filter.and.every((f, i) =>
      matchesFilter(database, page, f as Record<string, unknown>, `${field}.and[${i}]`),
    );
  if (Array.isArray(filter.or))
    return filter.or.some((f, i) =>
      matchesFilter(database, page, f as Record<string, unknown>, `${field}.or[${i}]`),
    );
  const name = filter.property;
  if (typeof name !== "string")
    throw validation(`body failed validation: ${field}.property should be defined.`);
  const entry = Object.entries(database.properties).find(
    ([key, schema]) => key === name || schema.id === name,
  );
  if (!entry) throw validation(`Could not find property with name or id: ${name}`);
  const [key, schema] = entry;
  const type = String(schema.type);
  const condition = filter[type] as Record<string, unknown> | undefined;
  if (typeof condition !== "object" || condition === null) {
    throw validation(`body failed validation: ${field}.${type} should be defined for a ${type} property.`);
  }
  const value = page.properties[key];
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  switch (type) {
    case "title":
    case "rich_text": {
      const text = plain(value?.[type] as NotionRichText[] | undefined);
      const target = String(operand ?? "");
      switch (operator) {
        case "equals":
          return text === target;
        case "does_not_equal":
          return text !== target;
        case "contains":
          return text.toLowerCase().includes(target.toLowerCase());
        case "does_not_contain":
          return !text.toLowerCase().includes(target.toLowerCase());
        case "starts_with":
          return text.toLowerCase().startsWith(target.toLowerCase());
        case "ends_with":
          return text.toLowerCase().endsWith(target.toLowerCase());
        case "is_empty":
          return text === "";
        case "is_not_empty":
          return text !== "";
      }
      break;
    }
    case "select": {
      const selected = (value?.select as { name?: string } | null | undefined)?.name;
      switch (operator) {
        case "equals":
          return selected === operand;
        case "does_not_equal":
          return selected !== operand;
        case "is_empty":
          return selected === undefined;
        case "is_not_empty":
          return selected !== undefined;
      }
      break;
    }
    case "date": {
      const start = (value?.date as { start?: string } | null | undefined)?.start;
      const day = start?.slice(0, 10);
      const target = typeof operand === "string" ? operand.slice(0, 10) : "";
      if (operator === "is_empty") return day === undefined;
      if (operator === "is_not_empty") return day !== undefined;
      if (day === undefined) return false;
      switch (operator) {
        case "equals":
          return day === target;
        case "before":
          return day < target;
        case "after":
          return day > target;
        case "on_or_before":
          return day <= target;
        case "on_or_after":
          return day >= target;
      }
      break;
    }
  }
  throw validation(
    `body failed validation: ${field}.${type}.${String(operator)} is not a supported filter condition.`,
  );
}
