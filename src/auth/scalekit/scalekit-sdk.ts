import { createRequire } from "node:module";

type ScalekitSdk = typeof import("@scalekit-sdk/node");
let loadedSdk: ScalekitSdk | undefined;

/**
 * The SDK, loaded when first needed: its entry loads axios, jose and every client, a good part
 * of a cold start, and nothing before a person's first request needs it. It is CommonJS, so
 * `require` gives the very module an `import` would.
 */
export function sdk(): ScalekitSdk {
  loadedSdk ??= createRequire(import.meta.url)("@scalekit-sdk/node") as ScalekitSdk;
  return loadedSdk;
}

export type { ScalekitSdk };
