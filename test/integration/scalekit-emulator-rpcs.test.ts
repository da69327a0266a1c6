import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions, type Client, Code } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ScalekitBadRequestException,
  ScalekitClient,
  ScalekitForbiddenException,
  ScalekitNotFoundException,
  ScalekitNotImplementedException,
} from "@scalekit-sdk/node";
import {
  ConnectedAccountService,
  ConnectorStatus,
  CreateConnectedAccountSchema,
  DisconnectConnectedAccountRequestSchema,
  GetConnectedAccountRequestSchema,
  SearchConnectedAccountsRequestSchema,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { OrganizationService } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js";
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

const tool = (name: string, connection: string): HostedTool => ({
  definition: { name, description: `${name} tool`, input_schema: { type: "object" } },
  connection,
  provider: connection.toUpperCase(),
  execute: async () => ({}),
});

async function start() {
  const emulator = await startScalekitEmulator({
    connections: { gmail: { provider: "GMAIL" }, slack: { provider: "SLACK" }, notion: {} },
    hostedTools: [
      tool("gmail_fetch_mails", "gmail"),
      tool("slack_send_message", "slack"),
      tool("notion_page_search", "notion"),
    ],
  });
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  return { emulator, client };
}

/**
 * The RPCs the SDK does not wrap (Search, Get, Disconnect), called through the SDK's own gRPC
 * client and `connectExec` (M2M auth, retries, exception mapping), as a wrapper method would.
 */
function unwrapped(sdk: ScalekitClient) {
  const internals = sdk.connectedAccounts as unknown as {
    client: Client<typeof ConnectedAccountService>;
    coreClient: {
      connectExec<Q, R>(fn: (request: Q, options?: CallOptions) => Promise<R>, data: Q): Promise<R>;
    };
  };
  const call = <S extends DescMessage, R>(
    schema: S,
    fn: (request: never, options?: CallOptions) => Promise<R>,
    init: MessageInitShape<S>,
  ) => internals.coreClient.connectExec(fn as (request: unknown) => Promise<R>, create(schema, init));
  const rpc = internals.client;
  return {
    search: (init: MessageInitShape<typeof SearchConnectedAccountsRequestSchema>) =>
      call(SearchConnectedAccountsRequestSchema, rpc.searchConnectedAccounts, init),
    get: (id: string) => call(GetConnectedAccountRequestSchema, rpc.getConnectedAccount, { id }),
    disconnect: (id: string) =>
      call(DisconnectConnectedAccountRequestSchema, rpc.disconnectConnectedAccount, { id }),
  };
}

describe("ListTools honours its filters", () => {
  it("filters by identifier, organization and user to the connections with matching accounts", async () => {
    const { emulator, client } = await start();
    await emulator.approve("ken", "gmail");
    await client.connectedAccounts.createConnectedAccount({
      connector: "slack",
      identifier: "ken",
      connectedAccount: create(CreateConnectedAccountSchema, {}),
      organizationId: "org_acme",
      userId: "usr_ken",
    });
    const names = async (filter: Parameters<ScalekitClient["tools"]["listTools"]>[0]) =>
      (await client.tools.listTools(filter)).tools.map((t) => t.definition?.name).sort();

    expect(await names({})).toEqual(["gmail_fetch_mails", "notion_page_search", "slack_send_message"]);
    expect(await names({ filter: { identifier: "ken" } })).toEqual([
      "gmail_fetch_mails",
      "slack_send_message",
    ]);
    expect(await names({ filter: { identifier: "ken", connector: "slack" } })).toEqual([
      "slack_send_message",
    ]);
    expect(await names({ filter: { organizationId: "org_acme" } })).toEqual(["slack_send_message"]);
    expect(await names({ filter: { userId: "usr_ken" } })).toEqual(["slack_send_message"]);
    expect(await names({ filter: { organizationId: "org_globex" } })).toEqual([]);
    expect(await names({ filter: { identifier: "nobody" } })).toEqual([]);
    const gmailId = emulator.getAccount("ken", "gmail")!.id;
    expect(await names({ filter: { connectedAccountId: gmailId } })).toEqual(["gmail_fetch_mails"]);
  });

  it("a made-up connected_account_id is NotFound, not the whole catalog", async () => {
    const { client } = await start();
    const error = await client.tools
      .listTools({ filter: { connectedAccountId: "ca_123456789012345678" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitNotFoundException);
    expect((error as ScalekitNotFoundException).message).toContain("connected account not found");
  });

  it("an unknown connector is NotFound (CONNECTION_NOT_FOUND), not a quiet empty list", async () => {
    const { client } = await start();
    const error = await client.tools.listTools({ filter: { connector: "github" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitNotFoundException);
    expect((error as ScalekitNotFoundException).errorCode).toBe("CONNECTION_NOT_FOUND");
    expect((error as ScalekitNotFoundException).grpcStatus).toBe(Code.NotFound);
  });

  it("fills tool_names only for summary=true, and then leaves out the full tools", async () => {
    const { client } = await start();
    const full = await client.tools.listTools({ filter: { provider: "GMAIL" } });
    expect(full.toolNames).toEqual([]);
    expect(full.tools.map((t) => t.definition?.name)).toEqual(["gmail_fetch_mails"]);
    const summary = await client.tools.listTools({ filter: { summary: true }, pageSize: 2 });
    expect(summary.tools).toEqual([]);
    expect(summary.toolNames).toEqual(["gmail_fetch_mails", "slack_send_message"]);
    expect(summary.totalSize).toBe(3);
    expect(summary.nextPageToken).not.toBe("");
  });
});

describe("VerifyConnectedAccountUser", () => {
  it("answers an unknown auth request with Scalekit's NotFound message", async () => {
    const { client } = await start();
    const error = await client.connectedAccounts
      .verifyConnectedAccountUser({ authRequestId: "req_unknown", identifier: "ken" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitNotFoundException);
    expect((error as ScalekitNotFoundException).message).toBe(
      "[not_found] auth request not found or no longer valid",
    );
  });

  it("keeps PermissionDenied for an identifier mismatch", async () => {
    const { client } = await start();
    await client.connectedAccounts.getOrCreateConnectedAccount({ connector: "gmail", identifier: "lea" });
    const { link } = await client.connectedAccounts.getMagicLinkForConnectedAccount({
      connector: "gmail",
      identifier: "lea",
      userVerifyUrl: "http://app.invalid/verify",
    });
    const allowed = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "decision=allow",
      redirect: "manual",
    });
    const authRequestId = new URL(allowed.headers.get("location")!).searchParams.get("auth_request_id")!;
    await expect(
      client.connectedAccounts.verifyConnectedAccountUser({ authRequestId, identifier: "not-lea" }),
    ).rejects.toBeInstanceOf(ScalekitForbiddenException);
  });
});

describe("SearchConnectedAccounts, GetConnectedAccount and DisconnectConnectedAccount", () => {
  it("searches identifiers, connections and providers case-insensitively, with paging", async () => {
    const { client } = await start();
    for (const [identifier, connector] of [
      ["alice@acme.test", "gmail"],
      ["alicia@acme.test", "slack"],
      ["bob@globex.test", "gmail"],
      ["carol@globex.test", "notion"],
    ] as const) {
      await client.connectedAccounts.createConnectedAccount({
        connector,
        identifier,
        connectedAccount: create(CreateConnectedAccountSchema, {}),
      });
    }
    const rpc = unwrapped(client);
    await expect(rpc.search({ query: "al" })).rejects.toBeInstanceOf(ScalekitBadRequestException);
    await expect(rpc.search({ query: "   ab  " })).rejects.toBeInstanceOf(ScalekitBadRequestException);
    await expect(rpc.search({ query: "alice", pageSize: 31 })).rejects.toBeInstanceOf(
      ScalekitBadRequestException,
    );

    const ali = await rpc.search({ query: "ALI" });
    expect(ali.connectedAccounts.map((a) => a.identifier).sort()).toEqual([
      "alice@acme.test",
      "alicia@acme.test",
    ]);
    const gmail = await rpc.search({ query: "GMail" });
    expect(gmail.totalSize).toBe(2);
    const globex = await rpc.search({ query: "globex", pageSize: 1 });
    expect(globex.totalSize).toBe(2);
    expect(globex.connectedAccounts).toHaveLength(1);
    const second = await rpc.search({ query: "globex", pageSize: 1, pageToken: globex.nextPageToken });
    expect(second.connectedAccounts).toHaveLength(1);
    expect(second.connectedAccounts[0]?.id).not.toBe(globex.connectedAccounts[0]?.id);
    expect(second.nextPageToken).toBe("");

    const gmailConnection = gmail.connectedAccounts[0]!.connectionId;
    const acmeOnGmail = await rpc.search({ query: "acme", connectionId: gmailConnection });
    expect(acmeOnGmail.connectedAccounts.map((a) => a.identifier)).toEqual(["alice@acme.test"]);
  });

  it("gets an account by id without credentials; unknown ids are NotFound, empty ids InvalidArgument", async () => {
    const { emulator, client } = await start();
    await emulator.approve("mo", "gmail");
    const id = emulator.getAccount("mo", "gmail")!.id;
    const rpc = unwrapped(client);
    const got = await rpc.get(id);
    expect(got.connectedAccount).toMatchObject({
      id,
      identifier: "mo",
      connector: "gmail",
      status: ConnectorStatus.ACTIVE,
    });
    expect(got.connectedAccount?.authorizationDetails).toBeUndefined();
    await expect(rpc.get("ca_999999999999999999")).rejects.toBeInstanceOf(ScalekitNotFoundException);
    await expect(rpc.get("")).rejects.toBeInstanceOf(ScalekitBadRequestException);
  });

  it("disconnects: DISCONNECTED, tokens invalid, record kept, status webhook emitted", async () => {
    const { emulator, client } = await start();
    const webhooks: string[] = [];
    emulator.addWebhookReceiver(async ({ body }) => {
      webhooks.push(body);
      return 204;
    });
    await emulator.approve("nia", "gmail");
    const before = emulator.getAccount("nia", "gmail")!;
    expect(emulator.tokens.verify(before.accessToken!)).toBeDefined();

    const rpc = unwrapped(client);
    const disconnected = await rpc.disconnect(before.id);
    expect(disconnected.connectedAccount).toMatchObject({
      id: before.id,
      status: ConnectorStatus.DISCONNECTED,
    });
    expect(emulator.tokens.verify(before.accessToken!)).toBeUndefined();
    const auth = await client.connectedAccounts.getConnectedAccountByIdentifier({
      connector: "gmail",
      identifier: "nia",
    });
    expect(auth.connectedAccount?.status).toBe(ConnectorStatus.DISCONNECTED);
    expect(auth.connectedAccount?.authorizationDetails).toBeUndefined();

    await emulator.flushWebhooks();
    const last = JSON.parse(webhooks.at(-1)!);
    expect(last).toMatchObject({
      type: "connected_account.status_updated",
      data: { id: before.id, old_status: "ACTIVE", status: "DISCONNECTED" },
    });
    await expect(rpc.disconnect("ca_999999999999999999")).rejects.toBeInstanceOf(ScalekitNotFoundException);
  });
});

describe("unknown services and methods answer gRPC Unimplemented", () => {
  it("the SDK gets ScalekitNotImplementedException for a service the emulator does not serve", async () => {
    const { emulator, client } = await start();
    const error = await client.organization.listOrganization({ pageSize: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScalekitNotImplementedException);
    expect((error as ScalekitNotImplementedException).grpcStatus).toBe(Code.Unimplemented);
    expect(emulator.calls.count("ListOrganization")).toBe(1);
  });

  it("a raw gRPC client sees grpc-status 12, for an unknown service and an unimplemented method", async () => {
    const { emulator, client } = await start();
    const token = await client.getClientAccessToken();
    const transport = createGrpcTransport({
      baseUrl: emulator.url,
      interceptors: [
        (next) => (request) => {
          request.header.set("authorization", `Bearer ${token}`);
          return next(request);
        },
      ],
    });
    const { createClient, ConnectError } = await import("@connectrpc/connect");
    const organizations = createClient(OrganizationService, transport);
    const unknownService = await organizations.listOrganization({}).catch((e: unknown) => e);
    expect(unknownService).toBeInstanceOf(ConnectError);
    expect((unknownService as InstanceType<typeof ConnectError>).code).toBe(Code.Unimplemented);
    // A method of a served service that the emulator leaves out.
    const accounts = createClient(ConnectedAccountService, transport);
    const unimplementedMethod = await accounts.getRedirectUrl({}).catch((e: unknown) => e);
    expect((unimplementedMethod as InstanceType<typeof ConnectError>).code).toBe(Code.Unimplemented);
  });

  it("Connect-JSON over HTTP/1.1 gets Connect's unimplemented error, not the fallback's 404", async () => {
    const { emulator } = await start();
    const response = await fetch(
      `${emulator.url}/scalekit.v1.organizations.OrganizationService/ListOrganization`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      },
    );
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ code: "unimplemented" });
    const page = await fetch(`${emulator.url}/no/such/page`);
    expect(page.status).toBe(404);
  });
});
