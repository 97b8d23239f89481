import { PGlite, type Extensions } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import pg from "pg";
import { mkdirSync } from "node:fs";

/** Anything SQL can be sent to: the database itself or an open transaction. Repositories take this. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL. Without one the embedded engine (PGlite) is used. */
  url?: string;
  /** Where the embedded engine keeps its files; without one it lives in memory (tests). */
  dataDir?: string;
  /** PGlite extensions to load, e.g. pg_trgm; real PostgreSQL has them installed already. */
  pgliteExtensions?: Extensions;
  /** Connections in the pool on real PostgreSQL. */
  poolSize?: number;
}

const INT8_OID = 20;

/**
 * Both engines speak the PostgreSQL wire protocol to node-postgres, so repositories are written once against pg and
 * parse results identically. int8 (counts, cents) comes back as a number: every value we store stays far below 2^53.
 */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

export class Database implements Queryable {
  private constructor(
    private readonly pool: pg.Pool,
    /** Which engine this is, for logs and start-up messages. */
    readonly engine: "postgres" | "pglite",
    private readonly embedded?: PGlite,
  ) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    if (options.url) {
      const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types });
      // An idle client that loses its connection emits 'error' on the pool; without a listener that crashes the process.
      pool.on("error", () => undefined);
      const database = new Database(pool, "postgres");
      await database.query("SELECT 1");
      return database;
    }
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const embedded = await PGlite.create({ dataDir: options.dataDir, extensions: options.pgliteExtensions });
    // PGlite is one session: a single pooled client, so transactions queue instead of interleaving.
    const pool = new pg.Pool({ ...createPgConfig(embedded), max: 1, types });
    return new Database(pool, "pglite", embedded);
  }

  /**
   * Runs one statement on a pooled connection. Not pool.query: on a failed statement that hands the client back as
   * broken and the pool discards it, which on PGlite destroys the only session. A SQL error leaves a connection usable.
   */
  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    const client = await this.pool.connect();
    try {
      return await client.query<Row>(text, values);
    } finally {
      client.release();
    }
  }

  /** Runs fn inside one transaction on one connection; commits if it returns, rolls back if it throws. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
    await this.embedded?.close();
  }
}
