import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { openServiceDatabase, type Database, type Logger } from "@polyscale/platform";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The product schema's migrations (the same folder from src/ under vitest and from dist/ when built). */
export const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));

/** Search needs pg_trgm; real PostgreSQL ships it, the embedded engine must load it. */
export const pgliteExtensions = { pg_trgm };

/**
 * The product database as the service uses it: PRODUCT_DATABASE_URL, or else the embedded one under DATA_DIR/product,
 * migrated. Commands that work on the same data (seed, reindex) open it the same way.
 */
export function openProductDatabase(
  config: { databaseUrl?: string; dataDir: string },
  logger: Logger,
): Promise<Database> {
  return openServiceDatabase({
    url: config.databaseUrl,
    dataDir: path.join(config.dataDir, "product"),
    pgliteExtensions,
    migrationsDir,
    logger,
  });
}
