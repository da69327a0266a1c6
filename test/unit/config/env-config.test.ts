import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_OPENAI_MODEL, loadConfig } from "../../../src/config/env-config.js";
import { isDelegateError } from "../../../src/errors.js";

const configError = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (isDelegateError(error, "CONFIG_INVALID")) return error;
    throw error;
  }
  throw new Error("expected a CONFIG_INVALID error");
};

describe("loadConfig", () => {
  it("defaults to the sandbox and the offline model with no variables", () => {
    const config = loadConfig({});
    expect(config.mode).toBe("sandbox");
    expect(config.scalekit).toBeUndefined();
    expect(config.openai).toBeUndefined();
    expect(config.enabledConnectors).toEqual(["gmail", "google-calendar", "slack", "notion", "outlook"]);
    expect(config.logLevel).toBe("info");
    expect(config.dataDir).toMatch(/\.delegate$/);
  });

  it("uses Scalekit when all three variables are set, and OpenAI when a key or base URL is", () => {
    const config = loadConfig({
      SCALEKIT_ENV_URL: "https://acme.scalekit.dev",
      SCALEKIT_CLIENT_ID: "skc_1",
      SCALEKIT_CLIENT_SECRET: "sks_1",
      OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
      OPENAI_MODEL: "llama3.1",
      DELEGATE_USER: "alice",
      DELEGATE_DATA_DIR: "/tmp/delegate-test",
      DELEGATE_LOG_LEVEL: "debug",
      DELEGATE_TIMEZONE: "Europe/Berlin",
    });
    expect(config.mode).toBe("scalekit");
    expect(config.scalekit).toEqual({
      environmentUrl: "https://acme.scalekit.dev",
      clientId: "skc_1",
      clientSecret: "sks_1",
    });
    expect(config.openai).toEqual({ baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.1" });
    expect(config.userId).toBe("alice");
    expect(config.dataDir).toBe("/tmp/delegate-test");
    expect(config.timeZone).toBe("Europe/Berlin");
    expect(loadConfig({ OPENAI_API_KEY: "sk-x" }).openai).toEqual({
      apiKey: "sk-x",
      model: DEFAULT_OPENAI_MODEL,
    });
  });

  it("names every missing Scalekit variable in one error and never echoes the secret", () => {
    const secret = "sks_live_CANARY_should_not_appear";
    const error = configError({ SCALEKIT_CLIENT_SECRET: secret });
    expect(error.message).toContain("SCALEKIT_ENV_URL is missing");
    expect(error.message).toContain("SCALEKIT_CLIENT_ID is missing");
    expect(error.message).not.toContain("SCALEKIT_CLIENT_SECRET is missing");
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(error.message).not.toContain(secret);

    const urlOnly = configError({ SCALEKIT_ENV_URL: "https://acme.scalekit.dev" });
    expect(urlOnly.message).toContain("SCALEKIT_CLIENT_ID is missing");
    expect(urlOnly.message).toContain("SCALEKIT_CLIENT_SECRET is missing");
    expect(urlOnly.message).toContain(".env");
  });

  it("rejects invalid values with the variable name and the fix, all at once", () => {
    const error = configError({
      SCALEKIT_ENV_URL: "acme.scalekit.dev",
      SCALEKIT_CLIENT_ID: "id",
      SCALEKIT_CLIENT_SECRET: "secret-value-123",
      OPENAI_BASE_URL: "not a url",
      DELEGATE_LOG_LEVEL: "loud",
    });
    expect(error.message).toContain("SCALEKIT_ENV_URL must be an http(s) URL");
    expect(error.message).toContain("OPENAI_BASE_URL must be an http(s) URL");
    expect(error.message).toContain("DELEGATE_LOG_LEVEL must be one of");
    expect(error.message).not.toContain("secret-value-123");
  });

  it("parses connection overrides and connector selection", () => {
    const config = loadConfig({
      DELEGATE_CONNECTIONS: "google-calendar=my-gcal, slack=team_slack",
      DELEGATE_CONNECTORS: "-notion",
    });
    expect(config.connectionOverrides).toEqual({ "google-calendar": "my-gcal", slack: "team_slack" });
    expect(config.enabledConnectors).toEqual(["gmail", "google-calendar", "slack", "outlook"]);
    expect(loadConfig({ DELEGATE_CONNECTORS: "gmail,slack" }).enabledConnectors).toEqual(["gmail", "slack"]);

    const bad = configError({ DELEGATE_CONNECTIONS: "calendar=x,gmail", DELEGATE_CONNECTORS: "gmail,teams" });
    expect(bad.message).toContain('unknown connector "calendar"');
    expect(bad.message).toContain('"gmail" is not connector=connection');
    expect(bad.message).toContain('"teams"');
  });

  it("refuses a connector list that turns every connector off", () => {
    const none = configError({ DELEGATE_CONNECTORS: "-gmail,-google-calendar,-slack,-notion,-outlook" });
    expect(none.message).toContain("DELEGATE_CONNECTORS turns every connector off");
  });

  it("refuses a connector list that mixes inclusions and exclusions, saying which form to use", () => {
    const mixed = configError({ DELEGATE_CONNECTORS: "-gmail,slack" });
    expect(mixed.message).toBe(
      "Invalid configuration:\n  - DELEGATE_CONNECTORS mixes connectors to enable (slack) with exclusions (-gmail); use either a list (gmail,slack) or only exclusions (-notion,-outlook).",
    );
    expect(loadConfig({ DELEGATE_CONNECTORS: "-gmail,-slack" }).enabledConnectors).toEqual([
      "google-calendar",
      "notion",
      "outlook",
    ]);
  });

  it("rejects an unknown time zone", () => {
    expect(configError({ DELEGATE_TIMEZONE: "Mars/Olympus" }).message).toContain("DELEGATE_TIMEZONE");
  });
});

describe("path-valued variables", () => {
  it("expand a leading ~ or ~/ to the home folder, as a shell would (dotenv does not)", () => {
    expect(loadConfig({ DELEGATE_DATA_DIR: "~/foo" }).dataDir).toBe(join(homedir(), "foo"));
    expect(loadConfig({ DELEGATE_DATA_DIR: "~" }).dataDir).toBe(homedir());
    expect(loadConfig({ DELEGATE_DATA_DIR: "/srv/a~b" }).dataDir).toBe("/srv/a~b");
    expect(loadConfig({ DELEGATE_DATA_DIR: "rel/~" }).dataDir).toBe("rel/~");
    expect(configError({ DELEGATE_DATA_DIR: "~bob/delegate" }).message).toContain(
      'DELEGATE_DATA_DIR "~bob/delegate": only ~ and ~/ are expanded',
    );
  });
});

describe("URL variables", () => {
  it("give an example that fits each variable when the value is not a URL", () => {
    const examples: Record<string, RegExp> = {
      SCALEKIT_ENV_URL: /e\.g\. https:\/\/your-env\.scalekit\.dev/,
      OPENAI_BASE_URL: /e\.g\. http:\/\/127\.0\.0\.1:11434\/v1/,
      DELEGATE_PROVIDER_BASE_URL:
        /e\.g\. http:\/\/127\.0\.0\.1:\d+, the providerUrl `delegate sandbox --json` prints/,
      DELEGATE_VERIFY_URL: /e\.g\. https:\/\/\S+\/delegate\/verify/,
      LANGGRAPH_API_URL: /e\.g\. http:\/\/localhost:2024/,
    };
    for (const [name, example] of Object.entries(examples)) {
      const problems = configError({ [name]: "notaurl" }).details.problems as string[];
      const problem = problems.find((line) => line.startsWith(name));
      expect(problem, name).toMatch(new RegExp(`^${name} must be an http\\(s\\) URL, `));
      expect(problem, name).toMatch(example);
      if (name !== "SCALEKIT_ENV_URL") expect(problem, name).not.toContain("scalekit.dev");
    }
  });
});

describe("OPENAI_MODEL", () => {
  it("set alone is a warning that it has no effect; with a key or base URL it names the model", () => {
    const alone = loadConfig({ OPENAI_MODEL: "llama3.1" });
    expect(alone.openai).toBeUndefined();
    expect(alone.warnings).toEqual([
      "OPENAI_MODEL (llama3.1) has no effect without OPENAI_API_KEY or OPENAI_BASE_URL: the offline demo model answers. Set one of them, or unset OPENAI_MODEL.",
    ]);
    const served = loadConfig({ OPENAI_MODEL: "llama3.1", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" });
    expect(served.openai?.model).toBe("llama3.1");
    expect(served.warnings).toBeUndefined();
    expect(loadConfig({}).warnings).toBeUndefined();
  });
});

describe("a standalone sandbox named in SCALEKIT_*", () => {
  const sandbox = {
    SCALEKIT_ENV_URL: "http://127.0.0.1:43117",
    SCALEKIT_CLIENT_ID: "skc_sandbox",
    SCALEKIT_CLIENT_SECRET: "sandbox-secret",
  };

  it("without DELEGATE_PROVIDER_BASE_URL is a warning naming the variable and where to find it", () => {
    expect(loadConfig(sandbox).warnings).toEqual([
      expect.stringMatching(
        /^SCALEKIT_ENV_URL \(http:\/\/127\.0\.0\.1:43117\) is on this machine.*Set DELEGATE_PROVIDER_BASE_URL/,
      ),
    ]);
    expect(
      loadConfig({ ...sandbox, DELEGATE_PROVIDER_BASE_URL: "http://127.0.0.1:43118" }).warnings,
    ).toBeUndefined();
    expect(
      loadConfig({ ...sandbox, SCALEKIT_ENV_URL: "https://acme.scalekit.dev" }).warnings,
    ).toBeUndefined();
  });
});
