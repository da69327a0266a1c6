import { MemorySaver } from "@langchain/langgraph";
import { createChatModel } from "../../src/agent/model.js";
import type { Identity } from "../../src/auth/identity.js";
import { assembleAgent } from "../../src/runtime/agent-assembly.js";
import type { Sandbox } from "../../src/sandbox/index.js";

/**
 * The LangGraph server's way of running Delegate: one assembly on the sandbox (the real
 * `ChatOpenAI` against `openaiUrl`, writes asked), a graph acting for `identity` with its own
 * checkpointer, driven by `invoke` and `Command` resumes as a server run would.
 */
export async function serverGraph(sandbox: Sandbox, openaiUrl: string, identity: Identity) {
  const assembly = await assembleAgent({
    model: (await createChatModel({ baseUrl: openaiUrl, apiKey: "sk", model: "m", maxRetries: 0 })).model,
    scalekit: sandbox.settings,
    providerBaseUrls: sandbox.providerBaseUrls,
    timeZone: "UTC",
    approvals: "write=ask",
  });
  return assembly.build({ checkpointer: new MemorySaver(), identity }).agent;
}
