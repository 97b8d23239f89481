/** Helpers shared by the product service's tests. */
import { AppError, type Queryable } from "@polyscale/platform";
import type { DatabaseBackend, TestDatabase } from "@polyscale/tools/testing";
import { expect } from "vitest";
import type { Reservation } from "./model.js";
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
    searchEngine: new PostgresSearchEngine({ database: test.database }),
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

/** The events written about a product, in outbox order: outbox id, name (without "polyscale.") and data. */
export async function outboxEventsOf(
  db: Queryable,
  productId: string,
): Promise<Array<{ id: number; name: string; data: Record<string, unknown> }>> {
  const result = await db.query<{ id: number; subject: string; body: string }>(
    "SELECT id, subject, body FROM event_outbox WHERE aggregate_id = $1 ORDER BY id",
    [productId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    name: row.subject.replace("polyscale.", ""),
    data: (JSON.parse(row.body) as { data: Record<string, unknown> }).data,
  }));
}

/** A variant's units available, read from its row. */
export async function variantStockOf(db: Queryable, variantId: string): Promise<number> {
  const result = await db.query<{ stock: number }>("SELECT stock FROM product_variants WHERE id = $1", [variantId]);
  return result.rows[0]!.stock;
}

/**
 * Races an archive against reservations: 10 made before it, 80 racing it (60 started before it, 20 just after), 10
 * after it returned. Checks that the first 10 were made, the last 10 refused, and every refusal FAILED_PRECONDITION
 * `reason`; returns the reservations made and, per variant, the units they hold.
 */
export async function raceReservationsWithArchive(
  reserve: (index: number) => Promise<Reservation>,
  archive: () => Promise<unknown>,
  reason: "PRODUCT_ARCHIVED" | "VARIANT_ARCHIVED",
): Promise<{ reserved: Reservation[]; unitsOf: (variantId: string) => number }> {
  const early = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => reserve(index)));
  const racing = Array.from({ length: 60 }, (_, index) => reserve(index));
  const archived = archive();
  const racingMore = Array.from({ length: 20 }, (_, index) => reserve(index));
  const [settled] = await Promise.all([Promise.allSettled([...racing, ...racingMore]), archived]);
  const late = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => reserve(index)));
  expect(early.every((outcome) => outcome.status === "fulfilled")).toBe(true);
  expect(late.every((outcome) => outcome.status === "rejected")).toBe(true);
  const outcomes = [...early, ...settled, ...late];
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason });
  }
  const reserved = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
  const unitsOf = (variantId: string) =>
    reserved.reduce(
      (sum, reservation) => sum + (reservation.lines.find((line) => line.variantId === variantId)?.quantity ?? 0),
      0,
    );
  return { reserved, unitsOf };
}
