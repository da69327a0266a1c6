import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * A package that only some requests use, loaded (through its CommonJS build) by the first call
 * of the returned function rather than with the module that uses it. The CLI's bundle leaves such
 * packages out, so they cost nothing before the first prompt. A package with both builds must be
 * stateless, as the CommonJS copy is not the one an `import` would give.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
