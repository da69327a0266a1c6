import { afterEach, describe, expect, it } from "vitest";
import { CachedAgentAuth } from "../../../src/auth/cached-agent-auth.js";
import { scalekitIdentifier } from "../../../src/auth/identity.js";
import { ScalekitAgentAuth } from "../../../src/auth/scalekit/scalekit-agent-auth.js";
import { createAgentRuntime } from "../../../src/runtime/agent-runtime.js";
import { DemoChatModel, type Sandbox, startSandbox } from "../../../src/sandbox/index.js";
import { collect } from "../../helpers/sandbox-runtime.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("erasure leaves nothing of the user in memory", () => {
  it.each([{ disconnect: false }, { disconnect: true }])(
    "deleteUserData(%o) forgets every cached status of the user",
    async (options) => {
      const sandbox: Sandbox = await startSandbox({ timeZone: "UTC" });
      cleanups.push(() => sandbox.close());
      const auth = new CachedAgentAuth(new ScalekitAgentAuth(sandbox.settings));
      const runtime = await createAgentRuntime({
        model: new DemoChatModel({ timeZone: "UTC" }),
        agentAuth: auth,
        providerBaseUrls: sandbox.providerBaseUrls,
        databaseUrl: ":memory:",
        timeZone: "UTC",
      });
      cleanups.push(() => runtime.close());
      const alice = { userId: "alice", organizationId: "acme" };
      const connections = Object.values(sandbox.connectionNames);
      await sandbox.controls.approve(alice, "gmail");
      await collect(runtime.send({ ...alice, threadId: "t", text: "show my unread email" }));
      await runtime.listConnections(alice);
      // Known before: the prompt's and the list's look-ups.
      expect(auth.knownStatuses(scalekitIdentifier(alice), connections, 0).size).toBe(connections.length);

      await runtime.deleteUserData(alice, options);
      expect(auth.knownStatuses(scalekitIdentifier(alice), connections, Number.NEGATIVE_INFINITY).size).toBe(
        0,
      );
      expect(auth.peekStatuses(alice, connections)).toBeUndefined();
    },
  );
});
