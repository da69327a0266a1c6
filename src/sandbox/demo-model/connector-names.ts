import { CONNECTORS } from "../../index.js";
import type { DemoConnector } from "./plan.js";

/** Display names ("Google Calendar") by connector id. */
export const CONNECTOR_NAMES: Readonly<Record<DemoConnector, string>> = Object.fromEntries(
  Object.values(CONNECTORS).map((connector) => [connector.id, connector.displayName]),
) as Record<DemoConnector, string>;

/** The connector a tool belongs to, by its name prefix. */
export function connectorOfTool(toolName: string): DemoConnector | undefined {
  if (toolName.startsWith("gmail_")) return "gmail";
  if (toolName.startsWith("google_calendar_")) return "google-calendar";
  if (toolName.startsWith("slack_")) return "slack";
  if (toolName.startsWith("notion_")) return "notion";
  if (toolName.startsWith("outlook_")) return "outlook";
  return undefined;
}
