import pg from "pg";
import { unavailable } from "./errors.js";
import { databaseMetrics, sqlOperationOf } from "./metrics.js";

/** Anything SQL can be sent to: the database itself or an open transaction. Repositories take this. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>>;
  /**
   * Runs `callback` once what was written through this is committed: after COMMIT inside a transaction (never when it
   * rolls back), at once outside one (each statement commits by itself). For wake-ups, e.g. of the outbox relay; it
   * must not throw, as it runs between COMMIT and the transaction's result.
   */
  afterCommit(callback: () => void): void;
}

/** One connection of a pool, kept until release(): for what lives as long as a session, e.g. an advisory lock. */
export interface DatabaseSession extends Queryable {
  /** As Queryable's; options.prepareAs names the statement, as Database.query's does. */
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    options?: { prepareAs?: string },
  ): Promise<pg.QueryResult<Row>>;
  /**
   * Gives the connection back to the pool; with `close`, ends it instead, and with it everything the session holds
   * (its session-level advisory locks). A session whose connection failed is always ended. Idempotent.
   */
  release(close?: boolean): void;
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
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as pg.CustomTypesConfig["getTypeParser"],
};

/** Errors of node-postgres and Node's sockets that mean the connection, not the statement, failed. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);
const CONNECTION_ERROR_MESSAGE = /Connection terminated|connection error|timeout exceeded when trying to connect/i;

/**
 * True when an error means the connection is gone (the server restarted, failed over, or an administrator, pgbouncer
 * or an idle reaper ended it) rather than that a statement failed: SQLSTATE classes 08 (connection exception) and 57P
 * (operator intervention: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), socket errors, and
 * node-postgres's own messages for a closed connection.
 */
export function isConnectionFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === "string" &&
    (code.startsWith("08") || code.startsWith("57P") || CONNECTION_ERROR_CODES.has(code))
  ) {
    return true;
  }
  return error instanceof Error && CONNECTION_ERROR_MESSAGE.test(error.message);
}

/** True for a PostgreSQL unique violation, optionally on one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === "23505" && (constraint === undefined || pgError.constraint === constraint);
}

/** A lost connection becomes UNAVAILABLE for the caller; any other error passes unchanged. */
function unavailableIfConnectionFault(error: unknown): unknown {
  return isConnectionFault(error) ? unavailable("database is unavailable") : error;
}

function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types });
  // A client that loses its connection emits 'error': an idle one on the pool, one in use on itself (the pool listens
  // only while it is idle). Without a listener either crashes the process. The failed statement rejects on its own,
  // and the broken client is discarded when it is released.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/**
 * One pool of connections to one PostgreSQL database; repositories take it (or a transaction) as a Queryable. */
export class Database implements Queryable {
  private constructor(private readonly pool: pg.Pool) {
    databaseMetrics.observePool(pool);
  }

  /** Connects and checks the connection with one query; throws if the server cannot be reached. */
  static async open(options: DatabaseOptions): Promise<Database> {
    const pool = createPool(options.url, options.poolSize ?? 10);
    // Straight on the pool, so a server that cannot be reached at start says why (not just "unavailable").
    await pool.query("SELECT 1");
    return new Database(pool);
  }

  /**
   * Another pool of `poolSize` connections to the same database, for background work (the outbox relay) that must
   * neither queue behind requests for a connection nor hold one they need. It connects on first use; close it on its
   * own.
   */
  separatePool(poolSize: number): Database {
    return new Database(createPool(this.pool.options.connectionString!, poolSize));
  }

  /**
   * Runs one statement on a pooled connection. Not pool.query: on a failed statement that hands the client back as
   * broken and the pool discards it, so every SQL error would cost a new connection. A SQL error leaves it usable.
   * options.prepareAs names the statement: each connection then parses it once and PostgreSQL may keep its plan, for
   * long statements run often, whose planning costs as much as running them. One name must always mean one text.
   */
  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    options: { prepareAs?: string } = {},
  ): Promise<pg.QueryResult<Row>> {
    const done = databaseMetrics.startTimer(sqlOperationOf(text));
    const client = await this.connect().catch((error: unknown) => {
      done();
      throw error;
    });
    let broken = false;
    try {
      return await client.query<Row>({ text, values, name: options.prepareAs });
    } catch (error) {
      broken = isConnectionFault(error);
      throw unavailableIfConnectionFault(error);
    } finally {
      client.release(broken);
      done();
    }
  }

  /**
   * Runs fn inside one transaction on one connection; commits if it returns, rolls back if it throws. A lost connection
   * is UNAVAILABLE (the transaction did not commit, unless COMMIT itself was lost, as with any database).
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const done = databaseMetrics.startTimer("TRANSACTION");
    const client = await this.connect().catch((error: unknown) => {
      done();
      throw error;
    });
    let broken = false;
    try {
      await client.query("BEGIN");
      const committed: Array<() => void> = [];
      // Each statement of the transaction is timed as well as the whole.
      const result = await fn({
        async query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]) {
          const statementDone = databaseMetrics.startTimer(sqlOperationOf(text));
          try {
            return await client.query<Row>(text, values);
          } finally {
            statementDone();
          }
        },
        afterCommit: (callback) => void committed.push(callback),
      });
      await client.query("COMMIT");
      for (const callback of committed) callback();
      return result;
    } catch (error) {
      broken = isConnectionFault(error);
      if (!broken) await client.query("ROLLBACK").catch(() => undefined);
      throw unavailableIfConnectionFault(error);
    } finally {
      client.release(broken);
      done();
    }
  }

  afterCommit(callback: () => void): void {
    callback();
  }

  /**
   * A connection of the pool of one's own until release() (each statement commits by itself): for state that belongs
   * to a session, such as the outbox relay's session-level advisory lock. UNAVAILABLE when no connection can be made;
   * a lost connection makes a statement fail UNAVAILABLE, and the session must then be released.
   */
  async session(): Promise<DatabaseSession> {
    const client = await this.connect();
    let broken = false;
    let released = false;
    return {
      async query<Row extends pg.QueryResultRow>(
        text: string,
        values?: unknown[],
        options: { prepareAs?: string } = {},
      ) {
        const done = databaseMetrics.startTimer(sqlOperationOf(text));
        try {
          return await client.query<Row>({ text, values, name: options.prepareAs });
        } catch (error) {
          broken ||= isConnectionFault(error);
          throw unavailableIfConnectionFault(error);
        } finally {
          done();
        }
      },
      afterCommit: (callback) => callback(),
      release(close = false) {
        if (released) return;
        released = true;
        client.release(close || broken);
      },
    };
  }

  /** A pooled client; UNAVAILABLE when no connection can be made (the server is down or restarting). */
  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw unavailableIfConnectionFault(error);
    }
  }

  async close(): Promise<void> {
    databaseMetrics.forgetPool(this.pool);
    await this.pool.end();
  }
}
