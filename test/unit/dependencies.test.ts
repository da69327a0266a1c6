import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Every version of `name` anywhere in an `npm ls --json --all` tree. */
function versions(tree: unknown, name: string, found = new Set<string>()): Set<string> {
  const dependencies = (tree as { dependencies?: Record<string, { version?: string }> }).dependencies ?? {};
  for (const [key, child] of Object.entries(dependencies)) {
    if (key === name && child.version) found.add(child.version);
    versions(child, name, found);
  }
  return found;
}

describe("dependencies", () => {
  it("share one copy of the gRPC and protobuf runtimes with the Scalekit SDK, and one @langchain/core", () => {
    const packages = [
      "@connectrpc/connect",
      "@connectrpc/connect-node",
      "@bufbuild/protobuf",
      "@langchain/core",
    ];
    const output = execFileSync("npm", ["ls", ...packages, "--json", "--all"], { encoding: "utf8" });
    const tree = JSON.parse(output) as unknown;
    for (const name of packages) expect([...versions(tree, name)], name).toHaveLength(1);
  });

  it("pin what Node 20 needs", () => {
    const output = execFileSync("npm", ["ls", "@langchain/openai", "better-sqlite3", "--json", "--all"], {
      encoding: "utf8",
    });
    const tree = JSON.parse(output) as unknown;
    for (const version of versions(tree, "@langchain/openai")) expect(version).toMatch(/^1\.5\./);
    for (const version of versions(tree, "better-sqlite3")) expect(version).toMatch(/^12\./);
  });
});
