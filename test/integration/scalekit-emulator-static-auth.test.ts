import { create } from "@bufbuild/protobuf";
import { ScalekitBadRequestException, ScalekitClient } from "@scalekit-sdk/node";
import {
  type ConnectedAccount,
  ConnectorStatus,
  ConnectorType,
  CreateConnectedAccountSchema,
  UpdateConnectedAccountSchema,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type HostedToolCall,
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
} from "../../src/sandbox/scalekit/index.js";
import { consent } from "../helpers/sandbox-runtime.js";

const emulators: ScalekitEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

const calls: HostedToolCall[] = [];

async function start(options: ScalekitEmulatorOptions = {}) {
  const emulator = await startScalekitEmulator({
    connections: {
      gmail: { displayName: "Gmail" },
      stripe: { displayName: "Stripe", authorizationType: "API_KEY" },
      github: { displayName: "GitHub PAT", authorizationType: "BEARER_TOKEN" },
      jira: { displayName: "Jira", authorizationType: "BASIC_AUTH" },
      freshdesk: { authorizationType: "BASIC_AUTH", staticAuthFields: ["domain", "username"] },
    },
    hostedTools: [
      {
        definition: {
          name: "stripe_list_charges",
          description: "List charges",
          input_schema: { type: "object" },
        },
        connection: "stripe",
        provider: "STRIPE",
        async execute(call) {
          calls.push(call);
          return { charges: [] };
        },
      },
    ],
    ...options,
  });
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  return { emulator, client };
}

function staticDetails(account: ConnectedAccount | undefined) {
  const details = account?.authorizationDetails?.details;
  return details?.case === "staticAuth" ? details.value.details : undefined;
}

const staticAuth = (details: Record<string, string>) => ({
  details: { case: "staticAuth" as const, value: { details } },
});

describe("API key, bearer token and basic auth connections", () => {
  it("lists each connection with its type; the default connections stay OAuth", async () => {
    const { client } = await start();
    const { connections } = await client.actions.listConnections();
    expect(Object.fromEntries(connections.map((c) => [c.connectionName, c.type]))).toEqual({
      gmail: "OAUTH",
      stripe: "API_KEY",
      github: "BEARER",
      jira: "BASIC",
      freshdesk: "BASIC",
    });

    const defaults = await startScalekitEmulator();
    emulators.push(defaults);
    const defaultClient = new ScalekitClient(defaults.url, defaults.clientId, defaults.clientSecret);
    const listed = await defaultClient.actions.listConnections();
    expect(listed.connections.map((c) => [c.connectionName, c.type])).toEqual([
      ["gmail", "OAUTH"],
      ["googlecalendar", "OAUTH"],
      ["slack", "OAUTH"],
      ["notion", "OAUTH"],
      ["outlook", "OAUTH"],
    ]);
  });

  it("an account created with its static details is ACTIVE at once and hands them back", async () => {
    const { emulator, client } = await start();
    const created = await client.connectedAccounts.createConnectedAccount({
      connector: "stripe",
      identifier: "shop-1",
      connectedAccount: create(CreateConnectedAccountSchema, {
        authorizationDetails: staticAuth({ api_key: "sk_test_123" }),
      }),
    });
    expect(created.connectedAccount).toMatchObject({
      status: ConnectorStatus.ACTIVE,
      authorizationType: ConnectorType.API_KEY,
    });
    expect(staticDetails(created.connectedAccount)).toEqual({ api_key: "sk_test_123" });

    const bearer = await client.connectedAccounts.getOrCreateConnectedAccount({
      connector: "github",
      identifier: "dev-1",
      authorizationDetails: staticAuth({ token: "ghp_abc" }),
    });
    expect(bearer.connectedAccount?.status).toBe(ConnectorStatus.ACTIVE);
    expect(bearer.connectedAccount?.authorizationType).toBe(ConnectorType.BEARER_TOKEN);

    const read = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connector: "stripe",
      identifier: "shop-1",
    });
    expect(staticDetails(read.connectedAccount)).toEqual({ api_key: "sk_test_123" });
    expect(read.connectedAccount?.tokenExpiresAt).toBeUndefined();
    expect(emulator.getAccount("shop-1", "stripe")).toMatchObject({
      authorizationType: "API_KEY",
      staticAuth: { api_key: "sk_test_123" },
    });
    // The created event is born ACTIVE: no status_updated for an account that never waited.
    expect(emulator.events.map((e) => [e.type, e.data.status, e.data.authorization_type])).toEqual([
      ["connected_account.created", "ACTIVE", "API_KEY"],
      ["connected_account.created", "ACTIVE", "BEARER_TOKEN"],
    ]);
  });

  it("rejects details that do not fit the connection with InvalidArgument", async () => {
    const { client } = await start();
    const createWith = (connector: string, identifier: string, authorizationDetails: unknown) =>
      client.connectedAccounts
        .createConnectedAccount({
          connector,
          identifier,
          connectedAccount: create(CreateConnectedAccountSchema, {
            authorizationDetails: authorizationDetails as never,
          }),
        })
        .catch((error: unknown) => error);

    const oauthOnStatic = await createWith("stripe", "a", {
      details: { case: "oauthToken", value: { accessToken: "ya29.token" } },
    });
    expect(oauthOnStatic).toBeInstanceOf(ScalekitBadRequestException);
    expect((oauthOnStatic as Error).message).toMatch(/static_auth/);

    const staticOnOauth = await createWith("gmail", "b", staticAuth({ api_key: "x" }));
    expect(staticOnOauth).toBeInstanceOf(ScalekitBadRequestException);

    expect(await createWith("stripe", "c", staticAuth({}))).toBeInstanceOf(ScalekitBadRequestException);
    expect(await createWith("stripe", "d", staticAuth({ api_key: "  " }))).toBeInstanceOf(
      ScalekitBadRequestException,
    );
    const noPassword = await createWith("jira", "e", staticAuth({ username: "me@acme.test" }));
    expect(noPassword).toBeInstanceOf(ScalekitBadRequestException);
    expect((noPassword as Error).message).toContain("password");
    // Nothing was created by the refused calls.
    const listed = await client.connectedAccounts.listConnectedAccounts({});
    expect(listed.totalSize).toBe(0);

    // Update is checked the same way.
    await client.connectedAccounts.createConnectedAccount({
      connector: "gmail",
      identifier: "f",
      connectedAccount: create(CreateConnectedAccountSchema, {}),
    });
    await expect(
      client.connectedAccounts.updateConnectedAccount({
        connector: "gmail",
        identifier: "f",
        connectedAccount: create(UpdateConnectedAccountSchema, {
          authorizationDetails: staticAuth({ api_key: "x" }),
        }),
      }),
    ).rejects.toBeInstanceOf(ScalekitBadRequestException);
  });

  it("a pending static account is connected on the hosted credential form, or by update", async () => {
    const { emulator, client } = await start();
    const pending = await client.connectedAccounts.getOrCreateConnectedAccount({
      connector: "jira",
      identifier: "pat",
    });
    expect(pending.connectedAccount?.status).toBe(ConnectorStatus.PENDING_AUTH);
    const { link } = await client.connectedAccounts.getMagicLinkForConnectedAccount({
      connector: "jira",
      identifier: "pat",
    });
    const page = await (await fetch(link)).text();
    expect(page).toMatch(/<input id="field-username" name="username" type="text" required/);
    expect(page).toMatch(/<input id="field-password" name="password" type="password" required/);
    expect(page).toContain(">Connect</button>");

    const missing = await consent(link, "allow", { username: "pat@acme.test" }).catch(
      (error: Error) => error,
    );
    expect(String(missing)).toContain("consent answered 400");
    expect(emulator.getAccount("pat", "jira")?.status).toBe("PENDING_AUTH");

    const done = await consent(link, "allow", { username: "pat@acme.test", password: "hunter2" });
    expect(await done.text()).toContain("is now connected");
    const read = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connector: "jira",
      identifier: "pat",
    });
    expect(read.connectedAccount?.status).toBe(ConnectorStatus.ACTIVE);
    expect(staticDetails(read.connectedAccount)).toEqual({ username: "pat@acme.test", password: "hunter2" });

    await client.connectedAccounts.getOrCreateConnectedAccount({ connector: "freshdesk", identifier: "pat" });
    const updated = await client.connectedAccounts.updateConnectedAccount({
      connector: "freshdesk",
      identifier: "pat",
      connectedAccount: create(UpdateConnectedAccountSchema, {
        authorizationDetails: staticAuth({ domain: "acme.freshdesk.com", username: "key123" }),
      }),
    });
    expect(updated.connectedAccount?.status).toBe(ConnectorStatus.ACTIVE);
  });

  it("executes tools with the static credentials; revoking clears them", async () => {
    const { emulator, client } = await start();
    await emulator.approve("shop-2", "stripe", { staticAuth: { api_key: "sk_live_9" } });
    const result = await client.tools.executeTool({ toolName: "stripe_list_charges", identifier: "shop-2" });
    expect(result.data).toEqual({ charges: [] });
    expect(calls.at(-1)).toMatchObject({ accessToken: "", staticAuth: { api_key: "sk_live_9" } });

    emulator.revokeAccount("shop-2", "stripe");
    const read = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connector: "stripe",
      identifier: "shop-2",
    });
    expect(read.connectedAccount?.status).toBe(ConnectorStatus.DISCONNECTED);
    expect(staticDetails(read.connectedAccount)).toBeUndefined();
    await expect(
      client.tools.executeTool({ toolName: "stripe_list_charges", identifier: "shop-2" }),
    ).rejects.toMatchObject({ toolErrorCode: "UNAUTHORIZED" });

    // approve() without details fills every required field.
    await emulator.approve("dev-2", "jira");
    expect(Object.keys(emulator.getAccount("dev-2", "jira")?.staticAuth ?? {}).sort()).toEqual([
      "password",
      "username",
    ]);
  });
});
