import type { HostedTool } from "../scalekit/index.js";
import { type CatalogConnectionNames, defineTools, providerApi } from "./catalog-support.js";
import { gmailTools } from "./gmail-tools.js";
import { googleCalendarTools } from "./google-calendar-tools.js";
import { notionTools } from "./notion-tools.js";
import { outlookTools } from "./outlook-tools.js";
import { slackTools } from "./slack-tools.js";

export {
  type CatalogConnectionNames,
  type ToolAnnotations,
  type ToolEffect,
  toolEffect,
} from "./catalog-support.js";

/**
 * Scalekit-hosted tools for the sandbox, with Scalekit's names, parameter names and annotations:
 * the read and write operations of every built-in connector. Like Scalekit, each tool calls the
 * provider's API with the user's live token; here that API is the sandbox's provider emulator, so
 * the tools see (and change) the same seeded data as Delegate's own connector tools.
 */
export function createHostedCatalog(providerUrl: string, names: CatalogConnectionNames): HostedTool[] {
  const api = providerApi(providerUrl);
  return [
    ...defineTools(names.gmail, "GMAIL", api, gmailTools),
    ...defineTools(names["google-calendar"], "GOOGLECALENDAR", api, googleCalendarTools),
    ...defineTools(names.slack, "SLACK", api, slackTools),
    ...defineTools(names.notion, "NOTION", api, notionTools),
    ...defineTools(names.outlook, "OUTLOOK", api, outlookTools),
  ];
}
