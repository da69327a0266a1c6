import {
  type AgentRuntime,
  CONNECTOR_IDS,
  CONNECTORS,
  type ConnectorId,
  connectorNamed,
  type Identity,
  IdentitySchema,
  scalekitIdentifier,
} from "../../index.js";
import { connectionLines, continueCommand } from "./banner.js";
import type { PendingLinks } from "./pending-links.js";
import { formatTime, link, type TerminalStyle } from "./render.js";

/** What a slash command may use and do: the controller implements it. */
export interface CommandContext {
  readonly runtime: AgentRuntime;
  readonly style: TerminalStyle;
  readonly identity: Identity;
  readonly threadId: string;
  readonly links: PendingLinks;
  /** Example requests the offline model understands (for /help). */
  readonly examples: readonly string[];
  /** Completes consent in the sandbox (`--auto-approve`), when enabled. */
  readonly autoApprove?: (identity: Identity, connector: ConnectorId) => Promise<void>;
  /** Open links in the browser as soon as they are shown (`--open`). */
  readonly autoOpen: boolean;
  print(line: string): void;
  /** The URL to show for an authorization link (with user verification, its start URL). */
  presentLink(link: {
    url: string;
    connector: string;
    expiresAt: Date;
    stateNonce?: string | undefined;
  }): string;
  openLinks(urls: readonly string[]): Promise<void>;
  /** Say "X connected" once the `/connect` link is used. */
  watchConnection(connector: ConnectorId, until: Date): void;
  forgetConnection(connector: ConnectorId): void;
  cancelWait(): void;
  switchUser(identity: Identity): void;
  newThread(): void;
  exit(): void;
}

export interface SlashCommand {
  name: string;
  aliases?: readonly string[];
  /** Shown in /help after the name, e.g. "<connector>". */
  args: string;
  summary: string;
  /** Runs at once while a turn waits for a connection (anything else is held until the wait ends). */
  allowedWhileWaiting: boolean;
  /** Ends the session (at a terminal it runs at once, even behind a running turn). */
  exits?: boolean;
  run(context: CommandContext, args: readonly string[]): Promise<void> | void;
}

/** Where a summary names the connectors: /help puts the enabled ones there. */
const CONNECTORS_HERE = "{connectors}";

export const COMMANDS: readonly SlashCommand[] = [
  {
    name: "help",
    args: "",
    summary: "this help",
    allowedWhileWaiting: true,
    run: (context) => {
      for (const line of helpLines(COMMANDS, context.examples, context.runtime.info.connectors))
        context.print(line);
    },
  },
  {
    name: "connections",
    args: "",
    summary: "every connector's status (and a link where one is pending)",
    allowedWhileWaiting: true,
    async run(context) {
      const overview = await context.runtime.listConnections(context.identity);
      const lines = connectionLines(context.style, context.identity.userId, overview, (connector) =>
        context.links.linkFor(connector),
      );
      for (const line of lines) context.print(line);
    },
  },
  {
    name: "connect",
    args: "<connector>",
    summary: `get a link to connect a connector (${CONNECTORS_HERE})`,
    allowedWhileWaiting: true,
    async run(context, args) {
      const connector = connectorArg(context, args.join(" "));
      if (!connector) return;
      const name = CONNECTORS[connector].displayName;
      const result = await context.runtime.connect(context.identity, connector);
      if (result.status === "ACTIVE") {
        context.print(`${name} is already connected.`);
        return;
      }
      const { colors, tty } = context.style;
      const url = context.presentLink({
        url: result.url,
        connector,
        expiresAt: result.expiresAt,
        stateNonce: result.stateNonce,
      });
      context.links.addConnect(connector, { url, expiresAt: result.expiresAt });
      const expires = formatTime(result.expiresAt.toISOString(), context.style.timeZone);
      context.print(`Open this link to connect ${name} (link expires ${expires}):`);
      context.print(tty ? `  ${colors.cyan(link(context.style, url))}` : url);
      if (context.autoApprove) {
        // The sandbox tells the runtime by webhook, as Scalekit would.
        await context.autoApprove(context.identity, connector);
        context.links.settle(connector);
        context.print(`${colors.green("✓")} ${name} connected (auto-approved in the sandbox)`);
        return;
      }
      context.watchConnection(connector, result.expiresAt);
      if (context.autoOpen) await context.openLinks([url]);
    },
  },
  {
    name: "disconnect",
    args: "<connector>",
    summary: "remove your connection to a connector",
    allowedWhileWaiting: false,
    async run(context, args) {
      const connector = connectorArg(context, args.join(" "));
      if (!connector) return;
      const name = CONNECTORS[connector].displayName;
      context.forgetConnection(connector);
      const status = (await context.runtime.listConnections(context.identity)).find(
        (item) => item.connector === connector,
      )?.status;
      if (status === undefined || status === "NOT_FOUND") {
        context.print(`${name} is not connected.`);
        return;
      }
      await context.runtime.disconnect(context.identity, connector);
      context.print(`Disconnected ${name}.`);
    },
  },
  {
    name: "user",
    args: "[ID]",
    summary: "show the user, or switch to another user (on a new thread)",
    allowedWhileWaiting: false,
    run(context, args) {
      const next = args.join(" ").trim();
      const { bold } = context.style.colors;
      if (!next) {
        context.print(
          `User: ${bold(context.identity.userId)} (Scalekit identifier "${scalekitIdentifier(context.identity)}")`,
        );
        return;
      }
      if (!IdentitySchema.shape.userId.safeParse(next).success) {
        context.print('A user id has 1–256 characters and no "/".');
        return;
      }
      context.switchUser({ userId: next });
      context.print(`Now acting as ${bold(next)} on a new thread ${bold(context.threadId)}.`);
    },
  },
  {
    name: "new",
    args: "",
    summary: "start a new thread",
    allowedWhileWaiting: false,
    run(context) {
      context.newThread();
      context.print(`New thread ${context.style.colors.bold(context.threadId)}.`);
    },
  },
  {
    name: "forget",
    args: "[yes]",
    summary: "delete this thread and its history for good, then start a new one (asks first)",
    allowedWhileWaiting: false,
    async run(context, args) {
      const { bold } = context.style.colors;
      const threadId = context.threadId;
      if (args[0]?.toLowerCase() !== "yes") {
        context.print(
          `This deletes thread ${bold(threadId)} and every message in it, for good. Type /forget yes to confirm.`,
        );
        return;
      }
      await context.runtime.deleteThread({ ...context.identity, threadId });
      context.newThread();
      context.print(`Forgot thread ${threadId}. New thread ${bold(context.threadId)}.`);
    },
  },
  {
    name: "thread",
    args: "",
    summary: "show the thread id (continue it later with --thread ID)",
    allowedWhileWaiting: true,
    run(context) {
      const id = context.threadId;
      const again = continueCommand(context.identity.userId, id);
      context.print(`Thread ${context.style.colors.bold(id)} — continue it later with: ${again}`);
    },
  },
  {
    name: "cancel",
    args: "",
    summary: "while waiting for a connection or your answer: stop waiting (or Ctrl+C)",
    allowedWhileWaiting: true,
    run: (context) => context.cancelWait(),
  },
  {
    name: "open",
    args: "",
    summary: "open the pending authorization link(s) in your browser",
    allowedWhileWaiting: true,
    async run(context) {
      const urls = context.links.all();
      if (urls.length === 0) {
        context.print("No authorization link is pending. Use /connect <connector> to get one.");
        return;
      }
      await context.openLinks(urls);
    },
  },
  {
    name: "exit",
    aliases: ["quit"],
    args: "",
    summary: "quit (or Ctrl+D)",
    allowedWhileWaiting: true,
    exits: true,
    run: (context) => context.exit(),
  },
];

export function findCommand(name: string, commands: readonly SlashCommand[] = COMMANDS) {
  return commands.find((command) => command.name === name || command.aliases?.includes(name));
}

/** /help, generated from the table. */
export function helpLines(
  commands: readonly SlashCommand[],
  examples: readonly string[],
  connectors: readonly string[] = CONNECTOR_IDS,
): string[] {
  const usage = commands.map((command) => `/${command.name}${command.args ? ` ${command.args}` : ""}`);
  const width = Math.max(...usage.map((text) => text.length)) + 2;
  const lines = [
    "Commands:",
    ...commands.map(
      (command, index) =>
        `  ${(usage[index] ?? "").padEnd(width)} ${command.summary.replace(CONNECTORS_HERE, connectors.join(", "))}`,
    ),
    `While Delegate waits for a connection, ${commands
      .filter((command) => command.allowedWhileWaiting)
      .map((command) => `/${command.name}`)
      .join(", ")} run at once; other messages are held and sent when the wait ends.`,
  ];
  if (examples.length > 0) {
    lines.push("The offline demo model understands requests such as:");
    for (const example of examples) lines.push(`  ${example}`);
  }
  return lines;
}

function connectorArg(context: CommandContext, value: string | undefined): ConnectorId | undefined {
  const connector = value ? connectorNamed(value) : undefined;
  if (connector && !context.runtime.info.connectors.includes(connector)) {
    // A person's slip like an unknown name, not a failure of the session.
    context.print(`${CONNECTORS[connector].displayName} is not enabled here (DELEGATE_CONNECTORS).`);
    return undefined;
  }
  if (connector) return connector;
  context.print(
    value
      ? `Unknown connector "${value}". Known: ${context.runtime.info.connectors.join(", ")}.`
      : `Which connector? One of: ${context.runtime.info.connectors.join(", ")}.`,
  );
  return undefined;
}
