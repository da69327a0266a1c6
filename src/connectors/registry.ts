/**
 * The connectors Delegate knows, keyed by Delegate's connector id. A connector maps to a Scalekit
 * *connection name* (configurable, because it is defined in the Scalekit dashboard); the defaults
 * follow Scalekit's slugs. Outlook mail and calendar share one connection.
 */
export const CONNECTOR_IDS = ["gmail", "google-calendar", "slack", "notion", "outlook"] as const;
export type ConnectorId = (typeof CONNECTOR_IDS)[number];

export interface ConnectorInfo {
  id: ConnectorId;
  displayName: string;
  defaultConnection: string;
  /** OAuth scopes the tools need; shown on the consent page and in errors. */
  scopes: readonly string[];
}

export const CONNECTORS: Readonly<Record<ConnectorId, ConnectorInfo>> = {
  gmail: {
    id: "gmail",
    displayName: "Gmail",
    defaultConnection: "gmail",
    scopes: [
      "https://www.googleapis.com/auth/gmail.readonly",
      "https://www.googleapis.com/auth/gmail.send",
      "https://www.googleapis.com/auth/gmail.compose",
    ],
  },
  "google-calendar": {
    id: "google-calendar",
    displayName: "Google Calendar",
    defaultConnection: "googlecalendar",
    scopes: ["https://www.googleapis.com/auth/calendar"],
  },
  slack: {
    id: "slack",
    displayName: "Slack",
    defaultConnection: "slack",
    scopes: [
      "channels:read",
      "channels:history",
      "groups:read",
      "groups:history",
      "chat:write",
      "search:read",
      "users:read",
    ],
  },
  notion: {
    id: "notion",
    displayName: "Notion",
    defaultConnection: "notion",
    scopes: ["read_content", "update_content", "insert_content"],
  },
  outlook: {
    id: "outlook",
    displayName: "Outlook",
    defaultConnection: "outlook",
    scopes: ["Mail.Read", "Mail.Send", "Calendars.ReadWrite"],
  },
};

export function isConnectorId(value: string): value is ConnectorId {
  return (CONNECTOR_IDS as readonly string[]).includes(value);
}

/**
 * The connector a person means by `name`: its id, its display name or its default connection
 * name, in any case and spacing (`Gmail`, `Google Calendar`, `googlecalendar`).
 */
export function connectorNamed(name: string): ConnectorId | undefined {
  const bare = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, "");
  const wanted = bare(name);
  if (!wanted) return undefined;
  return CONNECTOR_IDS.find((id) =>
    [id, CONNECTORS[id].displayName, CONNECTORS[id].defaultConnection].some(
      (alias) => bare(alias) === wanted,
    ),
  );
}

/** Resolves connector ids to connection names, applying overrides. */
export type ConnectionNames = Readonly<Record<ConnectorId, string>>;

export function connectionNames(overrides: Partial<Record<ConnectorId, string>> = {}): ConnectionNames {
  const names = {} as Record<ConnectorId, string>;
  for (const id of CONNECTOR_IDS) names[id] = overrides[id] ?? CONNECTORS[id].defaultConnection;
  return names;
}

/** The connector that owns a connection name, if any. */
export function connectorForConnection(names: ConnectionNames, connection: string): ConnectorId | undefined {
  return CONNECTOR_IDS.find((id) => names[id] === connection);
}
