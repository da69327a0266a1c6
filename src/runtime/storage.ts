import { closeSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type Database from "better-sqlite3";
import { DelegateError, errorMessage } from "../errors.js";
import { type CheckpointPruner, postgresPruner, sqlitePruner } from "./checkpoint-pruner.js";
import { keepPrivate, makeDirectory } from "./make-directory.js";
import { type SqlDriver, SqlThreadStore, upgradeThreadStore } from "./sql-thread-store.js";
import { schema, type ThreadStore } from "./thread-store.js";

export interface Storage {
  checkpointer: BaseCheckpointSaver;
  store: ThreadStore;
  /** The database the store and (by default) the checkpoints live in. */
  kind: "sqlite" | "postgres";
  /** Prunes old checkpoints; absent with your own `checkpointer` (its tables are not ours to touch). */
  pruner?: CheckpointPruner;
  /**
   * Makes deleted rows unreadable on disk, after an erasure. SQLite overwrites deleted content
   * (`secure_delete`), and this folds the write-ahead log, which still holds the old pages, into
   * the file. PostgreSQL keeps deleted rows until VACUUM: absent there.
   */
  scrub?(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_PATH = ".delegate/delegate.sqlite";

/**
 * Opens the checkpoints and the thread store in one database (a SQLite file by default, or
 * PostgreSQL for several replicas), so a pending authorization and the checkpoint it belongs to
 * are always stored together. The drivers are loaded on demand: PostgreSQL users never load
 * better-sqlite3 and vice versa.
 */
export async function openStorage(options: {
  checkpointer?: BaseCheckpointSaver | undefined;
  databaseUrl?: string | undefined;
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
  return openSqliteStorage(url.startsWith("file:") ? url.slice("file:".length) : url, options.checkpointer);
}

async function openSqliteStorage(path: string, checkpointer?: BaseCheckpointSaver): Promise<Storage> {
  const [{ default: SqliteDatabase }, { SqliteSaver }] = await Promise.all([
    import("better-sqlite3"),
    import("@langchain/langgraph-checkpoint-sqlite"),
  ]);
  let db: Database.Database;
  try {
    if (path !== ":memory:" && path !== "") {
      makeDirectory(dirname(resolve(path)));
      createPrivately(path);
    }
    db = new SqliteDatabase(path);
    db.pragma("journal_mode = WAL");
    // A deleted thread (erasure, retention) must not stay readable in the file's free pages.
    db.pragma("secure_delete = ON");
    db.pragma("busy_timeout = 5000");
    // The log otherwise stays at its high-water mark (4 MB and more) for the file's lifetime:
    // checkpoint every 256 pages and cut the file back to 1 MB after each checkpoint.
    db.pragma("wal_autocheckpoint = 256");
    db.pragma("journal_size_limit = 1048576");
    db.exec(schema({ integer: "INTEGER", json: "TEXT" }));
  } catch (error) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Cannot open the database at ${path}: ${errorMessage(error)}. Check that the folder is writable (DELEGATE_DATA_DIR or databaseUrl).`,
      { cause: error },
    );
  }
  // Prepared once per statement text: preparing costs more than running the small queries here.
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 500) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const driver: SqlDriver = {
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return prepare(sql).all(...params) as T[];
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return prepare(sql).run(...params).changes;
    },
  };
  await upgradeThreadStore(driver, "INTEGER");
  let saver = checkpointer;
  if (!saver) {
    const own = new SqliteSaver(db);
    // Its setup is protected and lazy; a first read creates the tables a delete or prune needs.
    await own.getTuple({ configurable: { thread_id: "" } });
    saver = own;
  }
  return {
    checkpointer: saver,
    store: new SqlThreadStore(driver),
    kind: "sqlite",
    ...(checkpointer ? {} : { pruner: sqlitePruner(db) }),
    async scrub() {
      // Busy readers (another replica) leave part of the log for the next checkpoint: not an error.
      db.pragma("wal_checkpoint(TRUNCATE)");
    },
    async close() {
      db.close();
    },
  };
}

/**
 * The database holds mail, messages and pending consent links: create it 0600 before SQLite
 * does (SQLite would use 0644), and tighten a file an older version left readable. SQLite gives
 * the -wal and -shm files it creates the database file's mode; existing ones are tightened here.
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) keepPrivate(file);
}

/** Checkpoints (PostgresSaver) and the store in one PostgreSQL database, shared by replicas. */
async function openPostgresStorage(url: string, checkpointer?: BaseCheckpointSaver): Promise<Storage> {
  const [{ default: pg }, { PostgresSaver }] = await Promise.all([
    import("pg"),
    import("@langchain/langgraph-checkpoint-postgres"),
  ]);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const saver = checkpointer ?? new PostgresSaver(pool);
    if (saver instanceof PostgresSaver) await saver.setup();
    await pool.query(schema({ integer: "BIGINT", json: "JSONB" }));
    const driver: SqlDriver = {
      async all<T>(sql: string, params: readonly unknown[] = []) {
        return (await pool.query(numbered(sql), [...params])).rows as T[];
      },
      async run(sql: string, params: readonly unknown[] = []) {
        return (await pool.query(numbered(sql), [...params])).rowCount ?? 0;
      },
    };
    await upgradeThreadStore(driver, "BIGINT");
    return {
      checkpointer: saver,
      store: new SqlThreadStore(driver),
      kind: "postgres",
      ...(checkpointer ? {} : { pruner: postgresPruner(pool) }),
      async close() {
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DelegateError("CONFIG_INVALID", `Cannot open the PostgreSQL database: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** `?` placeholders → PostgreSQL's `$1, $2, …` (no statement here has a literal `?`). */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
