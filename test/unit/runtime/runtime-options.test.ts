import { describe, expect, it } from "vitest";
import { isDelegateError } from "../../../src/errors.js";
import { type AgentRuntimeOptions, createAgentRuntime } from "../../../src/runtime/agent-runtime.js";

const scalekit = { environmentUrl: "http://127.0.0.1:1", clientId: "skc_1", clientSecret: "canary-secret-1" };

async function problemsOf(options: Partial<AgentRuntimeOptions>): Promise<string[]> {
  const error = await createAgentRuntime(options as AgentRuntimeOptions).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isDelegateError(error, "CONFIG_INVALID"), String(error)).toBe(true);
  return (error as { details: { problems: string[] } }).details.problems;
}

describe("createAgentRuntime options", () => {
  it("requires `model`: no offline demo assistant ships by omission", async () => {
    const problems = await problemsOf({ scalekit });
    expect(problems).toEqual([expect.stringMatching(/^`model` is required: pass a LangChain chat model/)]);
  });

  it("names every missing option at once and never echoes a secret", async () => {
    const problems = await problemsOf({ scalekit: { ...scalekit, environmentUrl: "ftp://x" } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^`model` is required/);
    expect(problems[1]).toMatch(/^`scalekit.environmentUrl` must be/);
    expect(JSON.stringify(problems)).not.toContain("canary-secret-1");
  });

  it("rejects OpenAI settings without a model name", async () => {
    const problems = await problemsOf({ scalekit, model: { apiKey: "canary-secret-2" } as never });
    expect(problems).toEqual(['`model.model` must name the OpenAI model, e.g. { model: "gpt-4.1-mini" }.']);
  });

  it("judges `approvals` as DELEGATE_APPROVALS is judged: a guess for a typo, a tool whose connector is off", async () => {
    const model = { model: "gpt-4.1-mini", apiKey: "k" };
    const problems = await problemsOf({
      scalekit,
      model,
      connectors: ["gmail", "slack"],
      approvals: { gmail_sendd_message: "allow", notion_create_page: "ask", write: "ask" },
    });
    expect(problems).toEqual([
      '`approvals` names "gmail_sendd_message", which is neither an effect (read, write, destructive) nor a Delegate tool; did you mean gmail_send_message?',
      "`approvals` names notion_create_page, a tool of notion, which `connectors` leaves out; drop the entry or enable notion.",
    ]);
    // Catalog tools are known only once listed: the names wait for the build, the modes do not.
    expect(
      await problemsOf({
        scalekit,
        model,
        tools: "catalog",
        approvals: { gmail_fetch_mails: "sometimes" } as never,
      }),
    ).toEqual(["`approvals.gmail_fetch_mails` must be one of allow, ask, deny, auto."]);
  });
});
