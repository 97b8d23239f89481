/** Helpers shared by the product service's tests. */
import { AppError } from "@polyscale/platform";
import type { DatabaseBackend, TestDatabase } from "@polyscale/tools/testing";
import { expect } from "vitest";
import { PostgresSearchEngine } from "./search/postgres-engine.js";
import { ProductService } from "./service.js";
import { migrationsDir } from "./storage.js";

/** A ProductService over a fresh, migrated database of `backend`, searching with PostgreSQL, prices in USD by default. */
export async function openProductService(
  backend: DatabaseBackend,
): Promise<{ test: TestDatabase; service: ProductService }> {
  const test = await backend.open(migrationsDir);
  const service = new ProductService({
    database: test.database,
    searchEngine: new PostgresSearchEngine(test.database),
    defaultCurrency: "USD",
  });
  return { test, service };
}

/** The AppError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
