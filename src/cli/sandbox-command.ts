import { parseArgs } from "node:util";
import type { DelegateConfig } from "../config/env-config.js";
import { startSandbox } from "../sandbox/index.js";
import { UsageError } from "./usage-error.js";

export const SANDBOX_HELP = `Usage: delegate sandbox [--port N] [--json] [--webhook-url URL]

Runs the local Scalekit emulator and the provider emulators until interrupted.

  --port N            Scalekit emulator port (default: any free port)
  --json              print one line {"url","clientId","clientSecret",...} and serve
  --webhook-url URL   post signed connected_account webhooks to URL (repeatable)`;

export async function sandboxCommand(argv: string[], config: DelegateConfig): Promise<number> {
  let values: { port?: string; json?: boolean; "webhook-url"?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        json: { type: "boolean" },
        "webhook-url": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run "delegate sandbox --help".`);
  }
  if (values.help) {
    console.log(SANDBOX_HELP);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number between 0 and 65535, got "${values.port}".`);
  }
  for (const url of values["webhook-url"] ?? []) {
    if (!/^https?:\/\/\S+$/.test(url))
      throw new UsageError(`--webhook-url must be an http(s) URL, got "${url}".`);
  }
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({
      port,
      connections: config.connectionOverrides,
      webhookUrls: values["webhook-url"] ?? [],
      ...(config.sandboxInjections ? { injections: true } : {}),
    });
  } catch (error) {
    throw portError(error, port) ?? error;
  }
  const info = {
    url: sandbox.settings.environmentUrl,
    clientId: sandbox.settings.clientId,
    clientSecret: sandbox.settings.clientSecret,
    webhookSecret: sandbox.webhookSecret,
    providerUrl: sandbox.providers.url,
  };
  if (values.json) {
    console.log(JSON.stringify(info));
  } else {
    // Every variable another process needs, ready to paste: without the provider URL its tools
    // would call the real Google and Slack with the emulator's tokens.
    console.log(`Delegate sandbox (local Scalekit emulator and provider emulators).
To use it from another process (\`delegate chat\`, \`npm run serve\`), set:
  SCALEKIT_ENV_URL=${info.url}
  SCALEKIT_CLIENT_ID=${info.clientId}
  SCALEKIT_CLIENT_SECRET=${info.clientSecret}
  DELEGATE_PROVIDER_BASE_URL=${info.providerUrl}
  SCALEKIT_WEBHOOK_SECRET=${info.webhookSecret}
Press Ctrl+C to stop.`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sandbox.close();
  return 0;
}

/** A port the person chose that cannot be had is a usage mistake (exit 2), not an internal error. */
function portError(error: unknown, port: number): UsageError | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "EADDRINUSE") {
    return new UsageError(
      `port ${port} is in use; choose another with --port, or leave --port out for a free one.`,
    );
  }
  if (code === "EACCES") {
    return new UsageError(
      `port ${port} needs privileges this user lacks; choose one above 1023 with --port.`,
    );
  }
  return undefined;
}
