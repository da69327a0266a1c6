/**
 * The environment that points Delegate (the CLI, or LangGraph's server) at a sandbox running
 * elsewhere (here: in the test process) as if it were a real Scalekit environment: it then embeds
 * no sandbox of its own.
 */
export function externalSandboxEnv(sandbox: {
  settings: { environmentUrl: string; clientId: string; clientSecret: string };
  providers: { url: string };
}): Record<string, string> {
  return {
    SCALEKIT_ENV_URL: sandbox.settings.environmentUrl,
    SCALEKIT_CLIENT_ID: sandbox.settings.clientId,
    SCALEKIT_CLIENT_SECRET: sandbox.settings.clientSecret,
    DELEGATE_PROVIDER_BASE_URL: sandbox.providers.url,
  };
}
