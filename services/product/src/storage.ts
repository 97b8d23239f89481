import { openServiceDatabase, type Database, type Logger } from "@polyscale/platform";
import { fileURLToPath } from "node:url";

/** The product schema's migrations (the same folder from src/ under vitest and from dist/ when built). */
export const migrationsDir = fileURLToPath(new URL("../sql", import.meta.url));

/**
 * The product database as the service uses it (PRODUCT_DATABASE_URL), migrated. Commands that work on the same data
 * (seed, reindex) open it the same way.
 */
export function openProductDatabase(config: { databaseUrl: string }, logger: Logger): Promise<Database> {
  return openServiceDatabase({ url: config.databaseUrl, migrationsDir, logger });
}
