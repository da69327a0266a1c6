/**
 * Delegate's layer boundaries, checked by `npm run boundaries` (part of `npm run check`).
 * See docs/architecture.md for the picture: the core imports nothing from the shells or the
 * sandbox; the sandbox sees the core only through its public entry; shells stay thin.
 */
const CORE = "^src/(index|errors|logger|text)\\.ts$|^src/(config|auth|connectors|agent|runtime)/";
const SHELLS = "^src/(cli|server|environment)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-imports-no-shell-or-sandbox",
      comment:
        "The core (config, auth, connectors, agent, runtime) must not depend on the CLI, the LangGraph server, the environment bootstrap or the sandbox: embedders get the core alone.",
      severity: "error",
      from: { path: CORE },
      to: { path: "^src/(cli|server|sandbox|environment)/" },
    },
    {
      name: "sandbox-uses-public-api-only",
      comment:
        "The sandbox is a client of Delegate's public API (src/index.ts) and of the Scalekit SDK's descriptors, never of core internals: a bug in a shared helper would show up on both sides and no test could catch it. The one exception, lazy-require.ts, only decides when a package loads, not what either side does with it.",
      severity: "error",
      from: { path: "^src/sandbox/" },
      to: { path: "^src/", pathNot: "^src/(sandbox/|index\\.ts$|lazy-require\\.ts$)" },
    },
    {
      name: "shells-use-sandbox-entry",
      comment:
        "The CLI, the server and the environment reach the sandbox through its entry point (src/sandbox/index.ts).",
      severity: "error",
      from: { path: SHELLS },
      to: { path: "^src/sandbox/", pathNot: "^src/sandbox/index\\.ts$" },
    },
    {
      name: "environment-is-below-the-shells",
      comment: "resolveEnvironment serves the CLI and the server; it must not depend on either.",
      severity: "error",
      from: { path: "^src/environment/" },
      to: { path: "^src/(cli|server)/" },
    },
    {
      name: "cli-and-server-are-separate-shells",
      comment: "The REPL and the LangGraph server share code only through the core and the environment.",
      severity: "error",
      from: { path: "^src/cli/" },
      to: { path: "^src/server/" },
    },
    {
      name: "server-and-cli-are-separate-shells",
      severity: "error",
      from: { path: "^src/server/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "one-scalekit-adapter",
      comment:
        "Only the Scalekit adapter (src/auth/scalekit/) imports @scalekit-sdk/node (the sandbox may use its descriptors).",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(auth/scalekit/|sandbox/)" },
      to: { path: "@scalekit-sdk/node" },
    },
    {
      name: "one-openai-adapter",
      comment: "Only src/agent/model.ts imports @langchain/openai.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/agent/model\\.ts$" },
      to: { path: "@langchain/openai" },
    },
    {
      name: "no-terminal-io-in-library-code",
      comment: "Terminal I/O, child processes and browsers belong to the CLI.",
      severity: "error",
      from: { path: `${CORE}|^src/environment/` },
      to: { dependencyTypes: ["core"], path: "^(node:)?(readline|readline/promises|tty|child_process)$" },
    },
    {
      name: "no-self-reference-or-build-output",
      comment:
        "Source imports source by relative path, never the package by its own name (`delegate-agent`, `delegate-agent/sandbox`, …) nor dist/: either resolves to the build output, a second copy of the modules outside every rule above (the sandbox reaches the public API as ../index.js).",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(dist/|delegate-agent(/|$))|(^|/)node_modules/delegate-agent/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Not `exclude`: an excluded module vanishes as a dependency too, so an import that resolves
    // into dist/ (the package's own name) or node_modules/ (the adapter rules) would escape every rule.
    doNotFollow: { path: "node_modules|^dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".d.ts"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
