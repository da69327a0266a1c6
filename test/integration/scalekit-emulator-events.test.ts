import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ObjectType, ScalekitBadRequestException, ScalekitClient } from "@scalekit-sdk/node";
import { UpdateConnectedAccountSchema } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ScalekitEmulator,
  type ScalekitEmulatorOptions,
  startScalekitEmulator,
  type WebhookRequest,
} from "../../src/sandbox/scalekit/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";

const emulators: ScalekitEmulator[] = [];
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all([
    ...emulators.splice(0).map((emulator) => emulator.close()),
    ...receivers.splice(0).map((receiver) => receiver.close()),
  ]);
});

async function start(options: ScalekitEmulatorOptions = {}) {
  const emulator = await startScalekitEmulator({ connections: { gmail: {}, slack: {} }, ...options });
  emulators.push(emulator);
  const client = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
  return { emulator, client };
}

describe("the events feed (EventsService/ListEventsPaginated)", () => {
  it("records the connected-account lifecycle, newest first, in Scalekit's event shape", async () => {
    const { emulator, client } = await start();
    const created = await client.connectedAccounts.getOrCreateConnectedAccount({
      connector: "gmail",
      identifier: "ana",
      organizationId: "org_acme",
    });
    const id = created.connectedAccount!.id;
    await client.connectedAccounts.getMagicLinkForConnectedAccount({
      connector: "gmail",
      identifier: "ana",
      organizationId: "org_acme",
    });
    await emulator.approve("ana", "gmail", { organizationId: "org_acme" });
    await client.connectedAccounts.updateConnectedAccount({
      connectedAccountId: id,
      connectedAccount: create(UpdateConnectedAccountSchema, { apiConfig: { region: "eu" } }),
    });
    await client.connectedAccounts.deleteConnectedAccount({ connectedAccountId: id });

    const page = await client.events.listEventsPaginated();
    expect(page.events.map((event) => event.type)).toEqual([
      "connected_account.deleted",
      "connected_account.updated",
      "connected_account.status_updated",
      "connected_account.magic_link_generated",
      "connected_account.created",
    ]);
    expect(page.nextPageToken).toBe("");
    expect(page.prevPageToken).toBe("");
    const statusEvent = page.events[2]!;
    expect(statusEvent).toMatchObject({
      specVersion: "1",
      environmentId: emulator.environmentId,
      organizationId: "org_acme",
      object: ObjectType.ConnectedAccount,
      displayName: "Connected account status updated",
      data: {
        id,
        identifier: "ana",
        connection_name: "gmail",
        connection_id: created.connectedAccount!.connectionId,
        authorization_type: "OAUTH",
        status: "ACTIVE",
        old_status: "PENDING_AUTH",
      },
    });
    expect(statusEvent.id).toMatch(/^evt_/);
    expect(timestampDate(statusEvent.occurredAt!).getTime()).toBeLessThanOrEqual(Date.now());
    expect(page.events[0]?.data).toMatchObject({ id, status: "ACTIVE" });
  });

  it("pages with cursors that stay put while new events arrive", async () => {
    const { emulator, client } = await start();
    for (const user of ["u1", "u2", "u3", "u4", "u5"]) await emulator.approve(user, "gmail");
    // 10 events: created + status_updated per user. Default page size is 10.
    expect((await client.events.listEventsPaginated()).events).toHaveLength(10);

    const first = await client.events.listEventsPaginated(4, "", {
      eventTypes: ["connected_account.status_updated"],
    });
    expect(first.events.map((e) => e.data?.identifier)).toEqual(["u5", "u4", "u3", "u2"]);
    expect(first.prevPageToken).toBe("");
    await emulator.approve("u6", "gmail"); // newer events must not shift the next page
    const second = await client.events.listEventsPaginated(4, first.nextPageToken, {
      eventTypes: ["connected_account.status_updated"],
    });
    expect(second.events.map((e) => e.data?.identifier)).toEqual(["u1"]);
    expect(second.nextPageToken).toBe("");
    const back = await client.events.listEventsPaginated(4, second.prevPageToken, {
      eventTypes: ["connected_account.status_updated"],
    });
    expect(back.events.map((e) => e.data?.identifier)).toEqual(["u5", "u4", "u3", "u2"]);
    expect(back.prevPageToken).not.toBe("");
    const newest = await client.events.listEventsPaginated(4, back.prevPageToken, {
      eventTypes: ["connected_account.status_updated"],
    });
    expect(newest.events.map((e) => e.data?.identifier)).toEqual(["u6"]);
  });

  it("filters by organization, connection, account and time; rejects a bad window and a bad token", async () => {
    let time = Date.parse("2026-11-26T09:00:00Z");
    const { emulator, client } = await start({ now: () => time });
    await emulator.approve("bo", "gmail", { organizationId: "org_acme" });
    time += 60_000;
    await emulator.approve("bo", "slack");
    time += 60_000;
    await emulator.approve("cy", "gmail");
    const ids = (events: { data?: unknown }[]) =>
      events.map((event) => {
        const data = event.data as { identifier: string; connection_name: string };
        return `${data.identifier}@${data.connection_name}`;
      });
    const statusOnly = { eventTypes: ["connected_account.status_updated"] };

    const acme = await client.events.listEventsPaginated(20, "", {
      ...statusOnly,
      organizationId: "org_acme",
    });
    expect(ids(acme.events)).toEqual(["bo@gmail"]);
    expect(acme.events[0]?.organizationId).toBe("org_acme");

    const slackId = emulator.getAccount("bo", "slack")!.id;
    const slackConnection = (await client.connectedAccounts.listConnectedAccounts({ connector: "slack" }))
      .connectedAccounts[0]!.connectionId;
    expect(
      ids(
        (await client.events.listEventsPaginated(20, "", { ...statusOnly, connectionId: slackConnection }))
          .events,
      ),
    ).toEqual(["bo@slack"]);
    expect(
      ids((await client.events.listEventsPaginated(20, "", { connectedAccountId: slackId })).events),
    ).toEqual(["bo@slack", "bo@slack"]);

    const window = await client.events.listEventsPaginated(20, "", {
      ...statusOnly,
      startTime: timestampFromMs(Date.parse("2026-11-26T09:00:30Z")),
      endTime: timestampFromMs(Date.parse("2026-11-26T09:01:30Z")),
    });
    expect(ids(window.events)).toEqual(["bo@slack"]);

    await expect(
      client.events.listEventsPaginated(10, "", {
        startTime: timestampFromMs(time),
        endTime: timestampFromMs(time - 1),
      }),
    ).rejects.toBeInstanceOf(ScalekitBadRequestException);
    await expect(client.events.listEventsPaginated(10, "not-a-cursor")).rejects.toBeInstanceOf(
      ScalekitBadRequestException,
    );
    // Fields that name other kinds of events match none of these.
    expect((await client.events.listEventsPaginated(10, "", { authRequestId: "req_1" })).events).toEqual([]);
  });

  it("clamps the page size to 100", async () => {
    const { emulator, client } = await start();
    for (let index = 0; index < 55; index++) await emulator.approve(`user${index}`, "gmail");
    const page = await client.events.listEventsPaginated(500);
    expect(page.events).toHaveLength(100);
    expect(page.nextPageToken).not.toBe("");
  });
});

describe("in-process webhook receivers", () => {
  it("get the same signed bytes and headers an HTTP receiver gets, and are recorded", async () => {
    const http = await startWebhookReceiver();
    receivers.push(http);
    const received: WebhookRequest[] = [];
    const { emulator, client } = await start({
      webhookUrls: [http.url],
      webhookReceivers: [
        async function runtimeHandleWebhook(request) {
          received.push(request);
          return { status: 202 };
        },
      ],
    });
    await emulator.approve("dee", "gmail", { organizationId: "org_acme" });
    const overHttp = await http.next();
    await emulator.flushWebhooks();

    expect(received).toHaveLength(1);
    const inProcess = received[0]!;
    expect(inProcess.body).toBe(overHttp.body);
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"]) {
      expect(inProcess.headers[name]).toBe(overHttp.headers[name]);
    }
    expect(client.verifyWebhookPayload(emulator.webhookSecret, inProcess.headers, inProcess.body)).toBe(true);
    expect(JSON.parse(inProcess.body)).toMatchObject({
      organization_id: "org_acme",
      data: { status: "ACTIVE" },
    });
    expect(emulator.webhookDeliveries.map((d) => [d.receiver, d.url, d.status])).toEqual([
      ["url", http.url, 204],
      ["function", "function:runtimeHandleWebhook", 202],
    ]);
  });

  it("records a number answer, a failure, and stops after unsubscribing", async () => {
    const { emulator } = await start();
    const seen: string[] = [];
    const stop = emulator.addWebhookReceiver(async ({ body }) => {
      seen.push(JSON.parse(body).data.status);
      return 200;
    }, "counter");
    emulator.addWebhookReceiver(async () => {
      throw new Error("receiver crashed");
    }, "broken");

    await emulator.approve("eve", "gmail");
    await emulator.flushWebhooks();
    stop();
    emulator.revokeAccount("eve", "gmail");
    await emulator.flushWebhooks();

    expect(seen).toEqual(["ACTIVE"]);
    expect(emulator.webhookDeliveries.map((d) => [d.url, d.status, d.error])).toEqual([
      ["function:counter", 200, undefined],
      ["function:broken", undefined, "receiver crashed"],
      ["function:broken", undefined, "receiver crashed"],
    ]);
  });

  it("delivers the subscribed event types only (default: status updates)", async () => {
    const types: string[] = [];
    const { emulator } = await start({
      webhookEvents: [
        "connected_account.created",
        "connected_account.status_updated",
        "connected_account.deleted",
      ],
      webhookReceivers: [
        async ({ body }) => {
          types.push(JSON.parse(body).type);
          return 204;
        },
      ],
    });
    await emulator.approve("fay", "gmail");
    await emulator.flushWebhooks();
    expect(types).toEqual(["connected_account.created", "connected_account.status_updated"]);
    expect(emulator.events.map((event) => event.type)).toEqual(types);
  });
});
