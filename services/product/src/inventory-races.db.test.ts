import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService concurrent reservations on $name", (backend) => {
  const bed = useProductService(backend);
  const { createStockedProduct, createTShirt, stockOf, reservedUnits, variantStock, reservedUnitsOfVariant } = bed;

  it("lets exactly as many of 50 concurrent 1-unit reservations succeed as there is stock", async () => {
    const product = await createStockedProduct(10);
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        bed.service.reserveStock({ orderId: newId(), lines: [{ productId: product.id, quantity: 1 }] }),
      ),
    );
    const succeeded = attempts.filter((attempt) => attempt.status === "fulfilled");
    const failed = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason as unknown] : []));
    expect(succeeded).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const error of failed) {
      expect(error).toMatchObject({
        code: "FAILED_PRECONDITION",
        field: "variantId",
        message: `insufficient stock for variant ${product.id} (SKU ${product.id.toUpperCase()}) of product ${product.id}`,
      });
    }
    expect(await stockOf(product.id)).toBe(0);
    expect(await reservedUnits(product.id)).toBe(10);
  });

  it("regression: 50 concurrent buyers over 3 variants never oversell one; sold + available = initial per variant", async () => {
    const initial = [4, 3, 2];
    let next = 0;
    const product = await createTShirt(["S", "M", "L"], ["black"], () => initial[next++]!);
    const variants = product.variants;
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, (_, buyer) => {
        const variant = variants[buyer % 3]!;
        return bed.service.reserveStock({
          orderId: newId(),
          lines: [{ productId: product.id, variantId: variant.id, quantity: 1 }],
        });
      }),
    );
    const refused = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason as unknown] : []));
    const skuOf = new Map(variants.map((variant) => [variant.id, variant.sku]));
    for (const error of refused) {
      // Every refusal names its variant, the default (whose id is the product's) as the others.
      expect(error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK", field: "variantId" });
      const [, variantId, sku] = /^insufficient stock for variant (\S+) \(SKU (\S+)\) of product /.exec(
        (error as Error).message,
      )!;
      expect(skuOf.get(variantId!)).toBe(sku);
    }
    expect(attempts.length - refused.length).toBe(4 + 3 + 2);
    for (const [index, variant] of variants.entries()) {
      const available = await variantStock(variant.id);
      const sold = await reservedUnitsOfVariant(variant.id);
      expect(available).toBeGreaterThanOrEqual(0);
      expect(sold + available).toBe(initial[index]);
      expect(sold).toBe(initial[index]);
    }
    expect((await bed.service.getProduct(product.id)).stock).toBe(0);
  });

  it("regression: concurrent orders of several variants each take all or nothing, sums per variant hold", async () => {
    const product = await createTShirt(["S", "M"], ["red", "blue"], () => 6);
    const [a, b, c, d] = product.variants.map((variant) => variant.id);
    const lineSets = [
      [a!, b!],
      [b!, c!],
      [c!, d!],
      [d!, a!],
    ];
    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, (_, buyer) =>
        bed.service.reserveStock({
          orderId: newId(),
          lines: lineSets[buyer % 4]!.map((variantId) => ({ productId: product.id, variantId, quantity: 1 })),
        }),
      ),
    );
    const taken = new Map<string, number>();
    for (const attempt of attempts) {
      if (attempt.status !== "fulfilled") continue;
      for (const line of attempt.value.lines) taken.set(line.variantId, (taken.get(line.variantId) ?? 0) + 1);
    }
    for (const variant of product.variants) {
      const available = await variantStock(variant.id);
      expect(available).toBeGreaterThanOrEqual(0);
      expect(await reservedUnitsOfVariant(variant.id)).toBe(taken.get(variant.id) ?? 0);
      expect(available + (taken.get(variant.id) ?? 0)).toBe(6);
    }
    const sum = (await Promise.all(product.variants.map((variant) => variantStock(variant.id)))).reduce(
      (total, units) => total + units,
      0,
    );
    expect((await bed.service.getProduct(product.id)).stock).toBe(sum);
  });

  /** The product.stock_changed events written for reservations of these products: order id and units taken. */
  const reservedEvents = async (productIds: readonly string[]) =>
    (
      await bed.database.query<{ body: string }>(
        "SELECT body FROM event_outbox WHERE aggregate_id = ANY($1::text[]) AND subject = $2 ORDER BY id",
        [productIds, "polyscale.product.stock_changed"],
      )
    ).rows
      .map((row) => (JSON.parse(row.body) as { data: { orderId: string; delta: number; cause: string } }).data)
      .filter((data) => data.cause === "reserved");
  const reservationRows = async (orderIds: readonly string[]) =>
    (
      await bed.database.query<{ reservations: number; lines: number }>(
        `SELECT (SELECT count(*) FROM reservations WHERE order_id = ANY($1::uuid[]))::int AS reservations,
                (SELECT count(*) FROM reservation_lines WHERE order_id = ANY($1::uuid[]))::int AS lines`,
        [orderIds],
      )
    ).rows[0]!;

  // A reservation is one statement that commits by itself (no transaction to roll back): all lines or none rests on
  // that statement writing nothing when it refuses a line.
  it("race: 100 concurrent one-product reservations, some refused, take all their lines or nothing", async () => {
    const product = await createStockedProduct(100);
    const orders = Array.from({ length: 100 }, (_, index) => ({
      orderId: newId(),
      quantity: 1 + (index % 3),
      // Every fifth order also names a variant the product does not have: refused whatever the stock.
      missingVariant: index % 5 === 0 ? newId() : undefined,
    }));
    const attempts = await Promise.allSettled(
      orders.map((order) =>
        bed.service.reserveStock({
          orderId: order.orderId,
          lines: [
            { productId: product.id, quantity: order.quantity },
            ...(order.missingVariant ? [{ productId: product.id, variantId: order.missingVariant, quantity: 1 }] : []),
          ],
        }),
      ),
    );
    const reserved = orders.filter((_, index) => attempts[index]!.status === "fulfilled");
    const refused = orders.filter((_, index) => attempts[index]!.status === "rejected");
    for (const [index, attempt] of attempts.entries()) {
      if (attempt.status === "fulfilled") continue;
      expect(attempt.reason).toMatchObject(
        orders[index]!.missingVariant
          ? { code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" }
          : { code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK", field: "variantId" },
      );
    }
    expect(reserved.every((order) => !order.missingVariant)).toBe(true);
    expect(refused.length).toBeGreaterThan(20);
    const taken = reserved.reduce((sum, order) => sum + order.quantity, 0);
    expect(await stockOf(product.id)).toBe(100 - taken);
    expect(await reservedUnits(product.id)).toBe(taken);
    expect(await reservationRows(reserved.map((order) => order.orderId))).toEqual({
      reservations: reserved.length,
      lines: reserved.length,
    });
    expect(await reservationRows(refused.map((order) => order.orderId))).toEqual({ reservations: 0, lines: 0 });
    // One event per reservation, none for a refused one, and in outbox order each leaves the stock the last one left.
    const events = await reservedEvents([product.id]);
    expect(events.map((event) => event.orderId).sort()).toEqual(reserved.map((order) => order.orderId).sort());
    expect(events.reduce((sum, event) => sum - event.delta, 0)).toBe(taken);
  });

  it("race: 100 concurrent orders over the same products, named in any order, neither deadlock nor oversell", async () => {
    const products = await Promise.all([1, 2, 3, 4, 5].map(() => createStockedProduct(60)));
    const orders = Array.from({ length: 100 }, (_, index) => ({
      orderId: newId(),
      // Two to four of the products, rotated and reversed so that orders name them in different orders.
      lines: (index % 2 === 0 ? products : [...products].reverse())
        .slice(index % 5)
        .concat(products)
        .slice(0, 2 + (index % 3))
        .filter((product, position, all) => all.indexOf(product) === position)
        .map((product, position) => ({ productId: product.id, quantity: 1 + ((index + position) % 2) })),
    }));
    const attempts = await Promise.allSettled(
      orders.map((order) => bed.service.reserveStock({ orderId: order.orderId, lines: order.lines })),
    );
    const reserved = orders.filter((_, index) => attempts[index]!.status === "fulfilled");
    const refused = orders.filter((_, index) => attempts[index]!.status === "rejected");
    for (const attempt of attempts) {
      if (attempt.status === "rejected") {
        expect(attempt.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK" });
      }
    }
    expect(refused.length).toBeGreaterThan(0);
    for (const product of products) {
      const taken = reserved
        .flatMap((order) => order.lines)
        .filter((line) => line.productId === product.id)
        .reduce((sum, line) => sum + line.quantity, 0);
      expect(await stockOf(product.id)).toBe(60 - taken);
      expect(await reservedUnits(product.id)).toBe(taken);
    }
    expect(await reservationRows(refused.map((order) => order.orderId))).toEqual({ reservations: 0, lines: 0 });
    const events = await reservedEvents(products.map((product) => product.id));
    expect(events).toHaveLength(reserved.reduce((sum, order) => sum + order.lines.length, 0));
    expect(new Set(events.map((event) => event.orderId))).toEqual(new Set(reserved.map((order) => order.orderId)));
  });
});
