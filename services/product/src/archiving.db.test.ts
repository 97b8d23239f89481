import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { useProductService, outboxEventsOf, raceReservationsWithArchive, rejection } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService archiving on $name", (backend) => {
  const bed = useProductService(backend);
  const { search, stockOf } = bed;

  const createProduct = async (name: string, stock: number, categoryId = "") =>
    bed.service.createProduct({ name, description: "", priceCents: 1500, currency: "USD", categoryId, stock });
  const eventsOf = (productId: string) => outboxEventsOf(bed.database, productId);

  it("archive takes a product out of listings, text search, browsing and its counts; restore brings it back", async () => {
    const category = await bed.service.createCategory({ name: "Archive Lamps", slug: "", parentId: "" });
    const kept = await createProduct("Zeppelin Lamp Kept", 3, category.id);
    const archived = await createProduct("Zeppelin Lamp Retired", 3, category.id);
    const inCategory = { categoryIds: [category.id] };

    const before = await search({ query: "zeppelin" });
    expect(before.products.map((product) => product.id).sort()).toEqual([kept.id, archived.id].sort());

    const result = await bed.service.archiveProduct(archived.id);
    expect(result.archivedAt).toBeInstanceOf(Date);
    // Read by id it is still there (carts and orders hold it), marked archived.
    expect((await bed.service.getProduct(archived.id)).archivedAt).toEqual(result.archivedAt);
    expect((await bed.service.getProducts([archived.id]))[0]?.archivedAt).toEqual(result.archivedAt);

    const listed = await bed.service.listProducts({ skip: 0, take: 100 });
    expect(listed.map((product) => product.id)).toContain(kept.id);
    expect(listed.map((product) => product.id)).not.toContain(archived.id);
    for (const query of ["zeppelin", "Zeppelin Lamp Retired"]) {
      const found = await search({ query });
      expect(found.products.map((product) => product.id)).not.toContain(archived.id);
    }
    for (const sort of ["newest", "price_asc"] as const) {
      const found = await search({ query: "zeppelin", sort });
      expect(found.products.map((product) => product.id)).toEqual([kept.id]);
      expect(found.totalCount).toBe(1);
    }
    // Browsing the category: its page, total and facets (from the counter table) count only the product on sale.
    const browsed = await search(inCategory);
    expect(browsed.products.map((product) => product.id)).toEqual([kept.id]);
    expect(browsed.totalCount).toBe(1);
    expect(browsed.categoryFacets.find((facet) => facet.categoryId === category.id)?.count).toBe(1);
    expect((await search({ ...inCategory, inStockOnly: true })).products.map((product) => product.id)).toEqual([
      kept.id,
    ]);
    expect((await search({ ...inCategory, minPriceCents: 1000, maxPriceCents: 2000 })).totalCount).toBe(1);

    // Archiving again changes nothing and writes no second event.
    expect((await bed.service.archiveProduct(archived.id)).archivedAt).toEqual(result.archivedAt);
    const restored = await bed.service.restoreProduct(archived.id);
    expect(restored.archivedAt).toBeNull();
    expect((await bed.service.restoreProduct(archived.id)).archivedAt).toBeNull();
    expect((await eventsOf(archived.id)).map((event) => event.name)).toEqual([
      "product.created",
      "product.archived",
      "product.restored",
    ]);
    const again = await search(inCategory);
    expect(again.products.map((product) => product.id).sort()).toEqual([kept.id, archived.id].sort());
    expect(again.categoryFacets.find((facet) => facet.categoryId === category.id)?.count).toBe(2);
    expect((await search({ query: "zeppelin" })).totalCount).toBe(2);
    expect((await bed.service.listProducts({ skip: 0, take: 100 })).map((product) => product.id)).toContain(
      archived.id,
    );
  });

  it("refuses to reserve an archived product (FAILED_PRECONDITION PRODUCT_ARCHIVED), taking nothing of any line", async () => {
    const archived = await createProduct("Retired Kettle", 5);
    const other = await createProduct("Current Kettle", 5);
    await bed.service.archiveProduct(archived.id);
    const orderId = newId();
    const refused = await rejection(
      bed.service.reserveStock({
        orderId,
        lines: [
          { productId: other.id, quantity: 2 },
          { productId: archived.id, quantity: 1 },
        ],
      }),
    );
    expect(refused).toMatchObject({ code: "FAILED_PRECONDITION", reason: "PRODUCT_ARCHIVED", field: "productId" });
    expect(refused.message).toContain(archived.id);
    expect(await stockOf(archived.id)).toBe(5);
    expect(await stockOf(other.id)).toBe(5);
    expect(await bed.database.query("SELECT 1 FROM reservations WHERE order_id = $1", [orderId])).toMatchObject({
      rowCount: 0,
    });
    // An admin may still adjust its stock, and a restored product is reserved again.
    expect((await bed.service.adjustStock({ productId: archived.id, delta: 1 })).stock).toBe(6);
    await bed.service.restoreProduct(archived.id);
    await bed.service.reserveStock({ orderId, lines: [{ productId: archived.id, quantity: 1 }] });
    expect(await stockOf(archived.id)).toBe(5);
  });

  it("releases a reservation of a product archived after it was made, returning its units", async () => {
    const product = await createProduct("Retired Teapot", 4);
    const orderId = newId();
    await bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 3 }] });
    await bed.service.archiveProduct(product.id);
    await bed.service.releaseReservation(orderId);
    expect(await stockOf(product.id)).toBe(4);
  });

  it("answers NOT_FOUND for an unknown product and INVALID_ARGUMENT for a malformed id", async () => {
    expect(await rejection(bed.service.archiveProduct(newId()))).toMatchObject({
      code: "NOT_FOUND",
      reason: "PRODUCT_NOT_FOUND",
      field: "id",
    });
    expect(await rejection(bed.service.restoreProduct("nope"))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "id",
    });
  });

  it("race: an archive among many concurrent reservations lets each reserve before it or be refused; sums hold", async () => {
    const product = await createProduct("Contested Print", 1_000);
    const companion = await createProduct("Companion Print", 1_000);
    // Single-product reservations and two-product ones (whose rows are locked in id order before the update).
    const reserve = (index: number) =>
      bed.service.reserveStock({
        orderId: newId(),
        lines:
          index % 2 === 0
            ? [{ productId: product.id, quantity: 1 }]
            : [
                { productId: product.id, quantity: 2 },
                { productId: companion.id, quantity: 1 },
              ],
      });
    const { reserved, unitsOf } = await raceReservationsWithArchive(
      reserve,
      () => bed.service.archiveProduct(product.id),
      "PRODUCT_ARCHIVED",
    );
    expect((await bed.service.getProduct(product.id)).archivedAt).toBeInstanceOf(Date);

    // Every reservation that succeeded took its stock before the archive: its stock_changed event has an outbox id
    // (taken under the row lock) below the archive's, and none follows it.
    const events = await eventsOf(product.id);
    const archiveEvent = events.find((event) => event.name === "product.archived")!;
    const reservedEvents = events.filter((event) => event.name === "product.stock_changed");
    expect(reservedEvents).toHaveLength(reserved.length);
    expect(reservedEvents.every((event) => event.id < archiveEvent.id)).toBe(true);

    // Sums: the stock lost exactly the units of the reservations that exist; the refused ones took nothing anywhere.
    expect(await stockOf(product.id)).toBe(1_000 - unitsOf(product.id));
    expect(await stockOf(companion.id)).toBe(1_000 - unitsOf(companion.id));
    const held = await bed.database.query<{ product_id: string; units: number }>(
      `SELECT product_id, sum(quantity)::int AS units FROM reservation_lines WHERE product_id = ANY($1::uuid[])
       GROUP BY product_id`,
      [[product.id, companion.id]],
    );
    const heldUnits = new Map(held.rows.map((row) => [row.product_id, row.units]));
    expect(heldUnits.get(product.id)).toBe(unitsOf(product.id));
    expect(heldUnits.get(companion.id) ?? 0).toBe(unitsOf(companion.id));
  });
});
