/**
 * What the approvals gate knows of a tool that writes an email (Gmail's send and draft,
 * Outlook's send), declared once: every recipient is a target, and the summary names them all.
 */
import type { z } from "zod";
import { type AnyObjectSchema, type ConnectorToolSpec, connectorTool } from "../connector-tool.js";
import type { TargetField } from "../tool-traits.js";
import { emailSummary } from "./summaries.js";

/** An email write's arguments, as far as its summary reads them. */
type EmailSchema = AnyObjectSchema & z.ZodType<Parameters<typeof emailSummary>[1]>;

const RECIPIENTS: readonly TargetField[] = [
  { field: "to", kind: "email" },
  { field: "cc", kind: "email" },
  { field: "bcc", kind: "email" },
];

/** An email write; `verb` opens its summary, e.g. "Send email" or "Save a draft". */
export function emailTool<S extends EmailSchema>(
  verb: string,
  spec: Pick<ConnectorToolSpec<S>, "name" | "description" | "schema" | "run">,
) {
  return connectorTool({
    ...spec,
    effect: "write",
    targets: RECIPIENTS,
    summarize: (input) => emailSummary(verb, input),
  });
}
