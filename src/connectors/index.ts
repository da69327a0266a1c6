import type { ConnectorDefinition } from "./connector-tool.js";
import { gmailConnector } from "./gmail/gmail-connector.js";
import { googleCalendarConnector } from "./google-calendar/google-calendar-connector.js";
import { notionConnector } from "./notion/notion-connector.js";
import { outlookConnector } from "./outlook/outlook-connector.js";
import { slackConnector } from "./slack/slack-connector.js";

/** Every built-in connector, in display order. */
export const ALL_CONNECTORS: readonly ConnectorDefinition[] = [
  gmailConnector,
  googleCalendarConnector,
  slackConnector,
  notionConnector,
  outlookConnector,
];

/** Every built-in tool's name, with the connector it belongs to. */
export const TOOL_CONNECTORS: ReadonlyMap<string, string> = new Map(
  ALL_CONNECTORS.flatMap((connector) => connector.tools.map((tool) => [tool.name, connector.id] as const)),
);
