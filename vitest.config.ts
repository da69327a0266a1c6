import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Live tests run too, and skip (saying so) unless their credentials are set.
    exclude: ["node_modules/**"],
    // Limits only bound a failure (tests wait for positive signals): CLI and server tests start
    // real processes, which a loaded 2-core CI machine can make slow.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
