import { CONNECTOR_IDS, CONNECTORS, type ConnectorId, connectionNames } from "../index.js";
import { createHostedCatalog } from "./hosted-catalog/index.js";
import { createGmailEmulator } from "./providers/gmail/gmail-emulator.js";
import { createGoogleCalendarEmulator } from "./providers/google-calendar/google-calendar-emulator.js";
import { createNotionEmulator } from "./providers/notion/notion-emulator.js";
import { createOutlookEmulator } from "./providers/outlook/outlook-emulator.js";
import type { ProviderEmulator } from "./providers/provider-emulator.js";
import { type ProviderServer, startProviderServer } from "./providers/provider-server.js";
import { createSlackEmulator } from "./providers/slack/slack-emulator.js";
import { type SandboxControls, sandboxControls } from "./sandbox-controls.js";
import {
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
  type WebhookFunction,
} from "./scalekit/index.js";

export interface SandboxOptions extends Omit<ScalekitEmulatorOptions, "connections" | "now"> {
  /** Connector → connection name overrides, as in DELEGATE_CONNECTIONS. */
  connections?: Partial<Record<ConnectorId, string>>;
  /** Port of the provider emulators (default any free port). */
  providerPort?: number;
  now?: () => Date;
  /** Where seeded calendar wall times (e.g. "Standup 09:30") live; default the process's zone. */
  timeZone?: string;
  /**
   * Also seed every user's accounts with the hostile corpus (providers/hostile-seeds.ts): mail,
   * Slack messages, pages and events that try to instruct the assistant. Off by default.
   */
  injections?: boolean;
}

/** The embedded default: a Scalekit emulator and every provider emulator on loopback. */
export interface Sandbox {
  scalekit: ScalekitEmulator;
  providers: ProviderServer;
  /** Each provider emulator, for inspecting what tools did (e.g. `gmail.inspect(userId)`). */
  emulators: SandboxEmulators;
  /** What `createAgentRuntime({ scalekit })` needs. */
  settings: { environmentUrl: string; clientId: string; clientSecret: string };
  providerBaseUrls: Record<ConnectorId, string>;
  webhookSecret: string;
  /** Connection name per connector, overrides applied. */
  connectionNames: Record<ConnectorId, string>;
  /**
   * Delivers the emulator's signed webhooks to an in-process receiver too (e.g.
   * `(request) => runtime.handleWebhook(request)`), as Scalekit would to an endpoint. Returns the
   * function that stops it.
   */
  deliverWebhooks(receiver: WebhookFunction): () => void;
  /** Consent, refusal, expiry and revocation by Delegate identity and connector. */
  controls: SandboxControls;
  close(): Promise<void>;
}

export interface SandboxEmulators {
  gmail: ReturnType<typeof createGmailEmulator>;
  googleCalendar: ReturnType<typeof createGoogleCalendarEmulator>;
  slack: ReturnType<typeof createSlackEmulator>;
  notion: ReturnType<typeof createNotionEmulator>;
  outlook: ReturnType<typeof createOutlookEmulator>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { connections, providerPort, now, timeZone, injections, ...emulatorOptions } = options;
  const zone = timeZone ? { timeZone } : {};
  const names = connectionNames(connections);
  const clock = now ?? (() => new Date());
  const seeds = { now: clock, injections: injections === true };
  const scalekit = await startScalekitEmulator({
    ...emulatorOptions,
    now: () => clock().getTime(),
    connections: Object.fromEntries(
      CONNECTOR_IDS.map((id) => [
        names[id],
        {
          displayName: CONNECTORS[id].displayName,
          provider: id.toUpperCase().replace("-", "_"),
          scopes: [...CONNECTORS[id].scopes],
        },
      ]),
    ),
  });
  const typed: SandboxEmulators = {
    gmail: createGmailEmulator(seeds),
    googleCalendar: createGoogleCalendarEmulator({ ...seeds, ...zone }),
    slack: createSlackEmulator(seeds),
    notion: createNotionEmulator(seeds),
    outlook: createOutlookEmulator({ ...seeds, ...zone }),
  };
  const emulators: ProviderEmulator[] = Object.values(typed);
  let providers: ProviderServer;
  try {
    providers = await startProviderServer({
      tokens: scalekit.tokens,
      emulators,
      connectionNames: names,
      ...(providerPort !== undefined ? { port: providerPort } : {}),
    });
  } catch (error) {
    await scalekit.close();
    throw error;
  }
  // Scalekit-hosted tools (catalog mode) call the same provider emulators with the user's token.
  scalekit.setHostedTools(createHostedCatalog(providers.url, names));
  scalekit.setProxyTarget(providers.url);
  const providerBaseUrls = Object.fromEntries(CONNECTOR_IDS.map((id) => [id, providers.url])) as Record<
    ConnectorId,
    string
  >;
  return {
    scalekit,
    providers,
    emulators: typed,
    settings: {
      environmentUrl: scalekit.url,
      clientId: scalekit.clientId,
      clientSecret: scalekit.clientSecret,
    },
    providerBaseUrls,
    webhookSecret: scalekit.webhookSecret,
    connectionNames: { ...names },
    deliverWebhooks: (receiver) => scalekit.addWebhookReceiver(receiver, "sandbox"),
    controls: sandboxControls(scalekit, names),
    async close() {
      await Promise.allSettled([providers.close(), scalekit.close()]);
    },
  };
}
