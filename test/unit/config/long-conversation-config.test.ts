import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/env-config.js";
import { resolveEnvironment } from "../../../src/environment/index.js";

describe("retention and the context budget from the environment", () => {
  it("are off and default when unset", () => {
    const config = loadConfig({});
    expect(config.retention).toBeUndefined();
    expect(config.context).toBeUndefined();
  });

  it("read DELEGATE_RETENTION_DAYS and DELEGATE_CONTEXT_TOKENS (0 or off sends everything)", () => {
    expect(loadConfig({ DELEGATE_RETENTION_DAYS: "30", DELEGATE_CONTEXT_TOKENS: "8000" })).toMatchObject({
      retention: { days: 30 },
      context: { maxTokens: 8000 },
    });
    expect(loadConfig({ DELEGATE_RETENTION_DAYS: "0.5" }).retention).toEqual({ days: 0.5 });
    expect(loadConfig({ DELEGATE_CONTEXT_TOKENS: "0" }).context).toBe(false);
    expect(loadConfig({ DELEGATE_CONTEXT_TOKENS: "off" }).context).toBe(false);
  });

  it("report bad values in one error, naming each variable", () => {
    expect(() =>
      loadConfig({
        DELEGATE_RETENTION_DAYS: "-3",
        DELEGATE_CONTEXT_TOKENS: "lots",
        DELEGATE_POLL_BUDGET: "0",
        DELEGATE_MAX_MODEL_CALLS: "2.5",
      }),
    ).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        details: {
          problems: [
            'DELEGATE_RETENTION_DAYS "-3" is not a positive number of days (threads idle that long are deleted); unset it to keep threads.',
            'DELEGATE_CONTEXT_TOKENS "lots" is not a whole number of tokens (e.g. 16000), or 0 / off to send the whole conversation.',
            'DELEGATE_POLL_BUDGET "0" is not a positive number of Scalekit calls a second (default 10); e.g. 5, or 0.5 for one call every 2 s.',
            'DELEGATE_MAX_MODEL_CALLS "2.5" is not a whole number above 0; it is how many times one request may call the model (default 25).',
          ],
        },
      }),
    );
  });

  it("reach the runtime options the CLI and the examples use", async () => {
    const environment = await resolveEnvironment(
      loadConfig({
        DELEGATE_RETENTION_DAYS: "7",
        DELEGATE_CONTEXT_TOKENS: "off",
        DELEGATE_POLL_BUDGET: "2.5",
        DELEGATE_MAX_MODEL_CALLS: "40",
      }),
    );
    try {
      expect(environment.runtimeOptions.retention).toEqual({ days: 7 });
      expect(environment.runtimeOptions.context).toBe(false);
      expect(environment.runtimeOptions.poll).toEqual({ budgetPerSecond: 2.5 });
      expect(environment.runtimeOptions.maxModelCalls).toBe(40);
    } finally {
      await environment.close();
    }
  });
});
