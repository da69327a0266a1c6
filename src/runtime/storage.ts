import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { DelegateError } from "../errors.js";
import { SqliteThreadRegistry, type ThreadRegistry } from "./thread-registry.js";

export interface Storage {
  checkpointer: BaseCheckpointSaver;
  registry: ThreadRegistry;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_PATH = ".delegate/delegate.sqlite";

/**
 * Opens the checkpoints and the thread registry in one SQLite database, so a pending
 * authorization and the checkpoint it belongs to are always stored together.
 */
export async function openStorage(options: {
  checkpointer?: BaseCheckpointSaver;
  databaseUrl?: string;
}): Promise<Storage> {
  if (options.checkpointer && !options.databaseUrl) {
    // Owners and pending authorizations must outlive the process as the checkpoints do.
    throw new DelegateError(
      "CONFIG_INVALID",
      'With your own `checkpointer`, also pass `databaseUrl` (a SQLite file or PostgreSQL URL) where Delegate keeps thread owners and pending authorizations; use ":memory:" only in tests.',
    );
  }
  const url = options.databaseUrl ?? DEFAULT_DATABASE_PATH;
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgresStorage(url, options.checkpointer);
  const path = url.startsWith("file:") ? url.slice("file:".length) : url;
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Cannot open the database at ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  const checkpointer = options.checkpointer ?? new SqliteSaver(db);
  const registry = new SqliteThreadRegistry(db);
  return {
    checkpointer,
    registry,
    async close() {
      db.close();
    },
  };
}

/** Checkpoints (PostgresSaver) and the registry in one PostgreSQL database, shared by replicas. */
async function openPostgresStorage(url: string, checkpointer?: BaseCheckpointSaver): Promise<Storage> {
  const [{ default: pg }, { PostgresSaver }, { PostgresThreadRegistry }] = await Promise.all([
    import("pg"),
    import("@langchain/langgraph-checkpoint-postgres"),
    import("./postgres-thread-registry.js"),
  ]);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const saver = checkpointer ?? new PostgresSaver(pool);
    if (saver instanceof PostgresSaver) await saver.setup();
    const registry = await PostgresThreadRegistry.open(pool);
    return {
      checkpointer: saver,
      registry,
      async close() {
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DelegateError(
      "CONFIG_INVALID",
      `Cannot open the PostgreSQL database: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
