import pg from "pg";

/** Anything SQL can be sent to: the database itself or an open transaction. Repositories take this. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL: a server of your own, or the embedded one `npm start` runs (see startEmbeddedPostgres). */
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
}

const INT8_OID = 20;

/**
 * int8 (counts, cents) comes back as a number rather than node-postgres's string: every value we store stays far
 * below 2^53.
 */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/** One pool of connections to one PostgreSQL database; repositories take it (or a transaction) as a Queryable. */
export class Database implements Queryable {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and checks the connection with one query; throws if the server cannot be reached. */
  static async open(options: DatabaseOptions): Promise<Database> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types });
    // An idle client that loses its connection emits 'error' on the pool; without a listener that crashes the process.
    pool.on("error", () => undefined);
    const database = new Database(pool);
    await database.query("SELECT 1");
    return database;
  }

  /**
   * Runs one statement on a pooled connection. Not pool.query: on a failed statement that hands the client back as
   * broken and the pool discards it, so every SQL error would cost a new connection. A SQL error leaves it usable.
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
  }
}
