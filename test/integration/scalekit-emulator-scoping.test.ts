import { create } from "@bufbuild/protobuf";
import { ScalekitClient, ScalekitConflictException, ScalekitNotFoundException } from "@scalekit-sdk/node";
import {
  type ConnectedAccount,
  ConnectorStatus,
  CreateConnectedAccountSchema,
  UpdateConnectedAccountSchema,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type HostedTool,
  type ScalekitEmulator,
  startScalekitEmulator,
} from "../../src/sandbox/scalekit/index.js";

const emulators: ScalekitEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

const seen: Array<{ identifier: string; organizationId: string; accessToken: string }> = [];
const whoAmI: HostedTool = {
  definition: { name: "gmail_whoami", description: "Echo the account", input_schema: { type: "object" } },
  connection: "gmail",
  provider: "GMAIL",
  async execute(call) {
    seen.push(call);
    return { identifier: call.identifier, organization_id: call.organizationId, user_id: call.userId };
  },
};

async function start() {
  const emulator = await startScalekitEmulator({
    connections: { gmail: { provider: "GMAIL" }, slack: {} },
    hostedTools: [whoAmI],
  });
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  return { emulator, client };
}

function token(account: ConnectedAccount | undefined): string | undefined {
  const details = account?.authorizationDetails?.details;
  return details?.case === "oauthToken" ? details.value.accessToken : undefined;
}

const ACME = { organizationId: "org_acme" };
const GLOBEX = { organizationId: "org_globex" };

describe("accounts are scoped by connection, identifier, organization_id and user_id", () => {
  it("alice at acme and alice at globex are two accounts that never see each other", async () => {
    const { emulator, client } = await start();
    const acme = await client.connectedAccounts.getOrCreateConnectedAccount({
      connector: "gmail",
      identifier: "alice",
      ...ACME,
    });
    const globex = await client.connectedAccounts.getOrCreateConnectedAccount({
      connector: "gmail",
      identifier: "alice",
      ...GLOBEX,
    });
    expect(acme.connectedAccount?.id).toBeDefined();
    expect(globex.connectedAccount?.id).not.toBe(acme.connectedAccount?.id);
    expect(emulator.getAccount("alice", "gmail", ACME)).toMatchObject({
      organizationId: "org_acme",
      userId: "",
    });

    // Only acme's alice consents.
    await emulator.approve("alice", "gmail", ACME);
    const acmeAuth = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connector: "gmail",
      identifier: "alice",
      ...ACME,
    });
    const globexAuth = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connector: "gmail",
      identifier: "alice",
      ...GLOBEX,
    });
    expect(acmeAuth.connectedAccount?.status).toBe(ConnectorStatus.ACTIVE);
    expect(token(acmeAuth.connectedAccount)).toMatch(/^sbx_at_/);
    expect(globexAuth.connectedAccount?.status).toBe(ConnectorStatus.PENDING_AUTH);
    expect(token(globexAuth.connectedAccount)).toBeUndefined();

    // No organization: neither of them (the unscoped alice does not exist).
    await expect(
      client.connectedAccounts.getConnectedAccountByIdentifier({ connector: "gmail", identifier: "alice" }),
    ).rejects.toBeInstanceOf(ScalekitNotFoundException);
    // By id, naming the other organization: not found either.
    await expect(
      client.connectedAccounts.getConnectedAccountByIdentifier({
        connectedAccountId: acme.connectedAccount!.id,
        ...GLOBEX,
      }),
    ).rejects.toBeInstanceOf(ScalekitNotFoundException);
    const byId = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connectedAccountId: acme.connectedAccount!.id,
      ...ACME,
    });
    expect(byId.connectedAccount?.id).toBe(acme.connectedAccount?.id);
  });

  it("lists by organization: an unrelated organization lists nothing, user_id narrows further", async () => {
    const { client } = await start();
    const createIn = (
      identifier: string,
      scope: { organizationId?: string; userId?: string },
      connector = "gmail",
    ) =>
      client.connectedAccounts.createConnectedAccount({
        connector,
        identifier,
        connectedAccount: create(CreateConnectedAccountSchema, {}),
        ...scope,
      });
    await createIn("alice", ACME);
    await createIn("alice", { ...ACME, userId: "usr_1" }, "slack");
    await createIn("alice", GLOBEX);
    await createIn("bob", {});

    const list = (options: Parameters<ScalekitClient["connectedAccounts"]["listConnectedAccounts"]>[0]) =>
      client.connectedAccounts.listConnectedAccounts(options);
    expect((await list({ organizationId: "org_initech" })).connectedAccounts).toEqual([]);
    expect((await list({ organizationId: "org_initech" })).totalSize).toBe(0);
    const acme = await list({ ...ACME });
    expect(acme.connectedAccounts.map((a) => [a.identifier, a.connector]).sort()).toEqual([
      ["alice", "gmail"],
      ["alice", "slack"],
    ]);
    expect((await list({ ...ACME, userId: "usr_1" })).connectedAccounts.map((a) => a.connector)).toEqual([
      "slack",
    ]);
    expect((await list({ ...GLOBEX, identifier: "alice" })).connectedAccounts).toHaveLength(1);
    // Without a scope filter every account is listed, as before.
    expect((await list({})).totalSize).toBe(4);
  });

  it("create refuses a duplicate only within the same scope", async () => {
    const { client } = await start();
    const createCarol = (scope: { organizationId?: string; userId?: string }) =>
      client.connectedAccounts.createConnectedAccount({
        connector: "gmail",
        identifier: "carol",
        connectedAccount: create(CreateConnectedAccountSchema, {}),
        ...scope,
      });
    await createCarol(ACME);
    await createCarol({ ...ACME, userId: "usr_carol" });
    await createCarol({});
    await expect(createCarol(ACME)).rejects.toBeInstanceOf(ScalekitConflictException);
  });

  it("update, magic link and delete address only the account in the given scope", async () => {
    const { emulator, client } = await start();
    for (const scope of [ACME, GLOBEX]) {
      await client.connectedAccounts.getOrCreateConnectedAccount({
        connector: "gmail",
        identifier: "dave",
        ...scope,
      });
    }
    await client.connectedAccounts.updateConnectedAccount({
      connector: "gmail",
      identifier: "dave",
      ...ACME,
      connectedAccount: create(UpdateConnectedAccountSchema, {
        authorizationDetails: { details: { case: "oauthToken", value: { accessToken: "acme-token" } } },
      }),
    });
    expect(emulator.getAccount("dave", "gmail", ACME)).toMatchObject({
      status: "ACTIVE",
      accessToken: "acme-token",
    });
    expect(emulator.getAccount("dave", "gmail", GLOBEX)?.status).toBe("PENDING_AUTH");

    const link = await client.connectedAccounts.getMagicLinkForConnectedAccount({
      connector: "gmail",
      identifier: "dave",
      ...GLOBEX,
    });
    expect(emulator.listLinks("dave", "gmail", GLOBEX).map((l) => l.url)).toEqual([link.link]);
    expect(emulator.listLinks("dave", "gmail", ACME)).toEqual([]);

    await client.connectedAccounts.deleteConnectedAccount({
      connector: "gmail",
      identifier: "dave",
      ...GLOBEX,
    });
    expect(emulator.getAccount("dave", "gmail", GLOBEX)).toBeUndefined();
    expect(emulator.getAccount("dave", "gmail", ACME)?.status).toBe("ACTIVE");
    await expect(
      client.connectedAccounts.deleteConnectedAccount({ connector: "gmail", identifier: "dave", ...GLOBEX }),
    ).rejects.toBeInstanceOf(ScalekitNotFoundException);
  });

  it("executeTool runs as the scoped account and finds nothing outside its scope", async () => {
    const { emulator, client } = await start();
    await emulator.approve("erin", "gmail", ACME);
    await emulator.approve("erin", "gmail", GLOBEX);
    const acme = await client.tools.executeTool({ toolName: "gmail_whoami", identifier: "erin", ...ACME });
    expect(acme.data).toEqual({ identifier: "erin", organization_id: "org_acme", user_id: "" });
    expect(seen.at(-1)?.accessToken).toBe(emulator.getAccount("erin", "gmail", ACME)?.accessToken);
    await client.tools.executeTool({ toolName: "gmail_whoami", identifier: "erin", ...GLOBEX });
    expect(seen.at(-1)?.accessToken).toBe(emulator.getAccount("erin", "gmail", GLOBEX)?.accessToken);
    expect(seen.at(-1)?.accessToken).not.toBe(emulator.getAccount("erin", "gmail", ACME)?.accessToken);

    await expect(
      client.tools.executeTool({ toolName: "gmail_whoami", identifier: "erin" }),
    ).rejects.toBeInstanceOf(ScalekitNotFoundException);
    const acmeId = emulator.getAccount("erin", "gmail", ACME)!.id;
    await expect(
      client.tools.executeTool({ toolName: "gmail_whoami", connectedAccountId: acmeId, ...GLOBEX }),
    ).rejects.toBeInstanceOf(ScalekitNotFoundException);
    const byId = await client.tools.executeTool({ toolName: "gmail_whoami", connectedAccountId: acmeId });
    expect(byId.data).toMatchObject({ organization_id: "org_acme" });
  });

  it("the proxy finds the account named by its connection_name, identifier and scope headers", async () => {
    const { emulator, client } = await start();
    const upstream = await import("node:http").then(
      (http) =>
        new Promise<{ url: string; close(): void; seen: string[] }>((resolve) => {
          const seenAuth: string[] = [];
          const server = http.createServer((request, response) => {
            seenAuth.push(String(request.headers.authorization));
            response.setHeader("content-type", "application/json");
            response.end("{}");
          });
          server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as { port: number };
            resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close(), seen: seenAuth });
          });
        }),
    );
    try {
      emulator.setProxyTarget(upstream.url);
      await emulator.approve("frank", "gmail", ACME);
      await client.connectedAccounts.listConnectedAccounts({}); // fetches the M2M token the proxy needs
      await expect(
        client.actions.request({ connectionName: "gmail", identifier: "frank", path: "/anything" }),
      ).rejects.toBeInstanceOf(ScalekitNotFoundException);
      const scoped = await client.actions.request({
        connectionName: "gmail",
        identifier: "frank",
        path: "/anything",
        headers: { organization_id: "org_acme" },
      });
      expect(scoped.status).toBe(200);
      expect(upstream.seen).toEqual([`Bearer ${emulator.getAccount("frank", "gmail", ACME)?.accessToken}`]);
    } finally {
      upstream.close();
    }
  });

  it("account ids are ca_ and a long decimal number; connection ids conn_ and decimal", async () => {
    const { client } = await start();
    const ids = new Set<string>();
    for (let index = 0; index < 5; index++) {
      const created = await client.connectedAccounts.createConnectedAccount({
        connector: "gmail",
        identifier: `user${index}`,
        connectedAccount: create(CreateConnectedAccountSchema, {}),
      });
      expect(created.connectedAccount?.id).toMatch(/^ca_[1-9]\d{15,}$/);
      expect(created.connectedAccount?.connectionId).toMatch(/^conn_[1-9]\d{15,}$/);
      ids.add(created.connectedAccount!.id);
    }
    expect(ids.size).toBe(5);
  });

  it("status webhooks of an organization's account carry organization_id in the envelope", async () => {
    const { emulator } = await start();
    const bodies: string[] = [];
    emulator.addWebhookReceiver(async ({ body }) => {
      bodies.push(body);
      return 204;
    });
    await emulator.approve("gina", "gmail", ACME);
    await emulator.approve("gina", "gmail");
    await emulator.flushWebhooks();
    const events = bodies.map((body) => JSON.parse(body));
    expect(events.map((event) => [event.type, event.organization_id, event.data.status])).toEqual([
      ["connected_account.status_updated", "org_acme", "ACTIVE"],
      ["connected_account.status_updated", undefined, "ACTIVE"],
    ]);
  });
});
