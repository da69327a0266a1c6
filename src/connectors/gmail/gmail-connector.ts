import type { ConnectorDefinition } from "../connector-tool.js";
import { createDraftTool, sendMessageTool } from "./compose-tools.js";
import { getMessageTool, searchMessages } from "./read-tools.js";

/** Gmail through its REST API (v1) with the user's OAuth token. */
export const gmailConnector: ConnectorDefinition = {
  id: "gmail",
  defaultBaseUrl: "https://gmail.googleapis.com",
  tools: [searchMessages, getMessageTool, sendMessageTool, createDraftTool],
};
