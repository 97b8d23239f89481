import { LIMITS, newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService reservations on $name", (backend) => {
  const bed = useProductService(backend);
  const { createStockedProduct, createTShirt, stockOf, reservedUnits, eventNamesOf, variantStock } = bed;

  it("reserves once for an order id however often, and however concurrently, it is repeated", async () => {
    const product = await createStockedProduct(5);
    const orderId = newId();
    const request = { orderId, lines: [{ productId: product.id, quantity: 2 }] };
    const results = await Promise.all(Array.from({ length: 10 }, () => bed.service.reserveStock(request)));
    expect(new Set(results.map((reservation) => reservation.status))).toEqual(new Set(["held"]));
    expect(results.every((reservation) => reservation.lines[0]?.quantity === 2)).toBe(true);
    expect(await bed.service.reserveStock(request)).toEqual(results[0]);
    expect(await stockOf(product.id)).toBe(3);
    expect(await reservedUnits(product.id)).toBe(2);

    const different = await rejection(
      bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 3 }] }),
    );
    expect(different).toMatchObject({ code: "ALREADY_EXISTS", field: "orderId" });
    expect(await stockOf(product.id)).toBe(3);
  });

  it("merges repeated lines for one product into one", async () => {
    const product = await createStockedProduct(5);
    const reservation = await bed.service.reserveStock({
      orderId: newId(),
      lines: [
        { productId: product.id, quantity: 1 },
        { productId: product.id, quantity: 3 },
      ],
    });
    expect(reservation.lines).toEqual([{ productId: product.id, variantId: product.id, quantity: 4 }]);
    expect(await stockOf(product.id)).toBe(1);
  });

  it("regression: takes nothing when one line of several is short, and names its variant and SKU (field variantId)", async () => {
    const plenty = await createStockedProduct(10);
    const scarce = await createStockedProduct(1);
    const orderId = newId();
    const error = await rejection(
      bed.service.reserveStock({
        orderId,
        lines: [
          { productId: plenty.id, quantity: 4 },
          { productId: scarce.id, quantity: 2 },
        ],
      }),
    );
    expect(error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK", field: "variantId" });
    expect(error.message).toBe(
      `insufficient stock for variant ${scarce.id} (SKU ${scarce.variants[0]!.sku}) of product ${scarce.id}`,
    );
    expect(await stockOf(plenty.id)).toBe(10);
    expect(await stockOf(scarce.id)).toBe(1);
    expect(await reservedUnits(plenty.id)).toBe(0);
    expect(await rejection(bed.service.releaseReservation(orderId))).toMatchObject({ code: "NOT_FOUND" });
    // Only the creation wrote an event: the failed reservation rolled back its event with its rows.
    expect(await eventNamesOf(plenty.id)).toEqual(["product.created"]);

    // The same order id can try again once stock allows.
    await bed.service.adjustStock({ productId: scarce.id, delta: 1 });
    const retried = await bed.service.reserveStock({
      orderId,
      lines: [
        { productId: plenty.id, quantity: 4 },
        { productId: scarce.id, quantity: 2 },
      ],
    });
    expect(retried.status).toBe("held");
    expect(await stockOf(plenty.id)).toBe(6);
    expect(await stockOf(scarce.id)).toBe(0);
  });

  it("refuses an unknown product with NOT_FOUND and bad lines with INVALID_ARGUMENT, writing nothing", async () => {
    const product = await createStockedProduct(3);
    const unknown = newId();
    const orderId = newId();
    const error = await rejection(
      bed.service.reserveStock({
        orderId,
        lines: [
          { productId: product.id, quantity: 1 },
          { productId: unknown, quantity: 1 },
        ],
      }),
    );
    expect(error).toMatchObject({ code: "NOT_FOUND", field: "productId" });
    for (const [lines, field] of [
      [[], "lines"],
      [[{ productId: product.id, quantity: 0 }], "quantity"],
      [[{ productId: "nope", quantity: 1 }], "productId"],
    ] as const) {
      expect(await rejection(bed.service.reserveStock({ orderId, lines: [...lines] }))).toMatchObject({
        code: "INVALID_ARGUMENT",
        field,
      });
    }
    expect(
      await rejection(bed.service.reserveStock({ orderId: "x", lines: [{ productId: product.id, quantity: 1 }] })),
    ).toMatchObject({ code: "INVALID_ARGUMENT", field: "orderId" });
    expect(await stockOf(product.id)).toBe(3);
    expect(await bed.service.listReservations({ take: 1000 })).not.toContainEqual(expect.objectContaining({ orderId }));
  });

  // Seen (issue 16 review): the product service restated the order's rule for lines with its own messages ("must not be
  // empty", "at most 100 lines") and no cap on a product's merged units; one rule now (platform requireOrderLines).
  it("regression: refuses reservation lines by the order's one rule and message, writing nothing", async () => {
    const product = await createStockedProduct(5_000);
    const orderId = newId();
    const cases = [
      { lines: [], expected: { field: "lines", message: "lines: must hold at least one line" } },
      {
        lines: Array.from({ length: LIMITS.orderProducts + 1 }, () => ({ productId: newId(), quantity: 1 })),
        expected: { field: "lines", message: `lines: must name at most ${LIMITS.orderProducts} different products` },
      },
      {
        lines: [
          { productId: product.id, quantity: LIMITS.lineQuantity },
          { productId: product.id, quantity: 1 },
        ],
        expected: { field: "quantity", reason: "LIMIT_EXCEEDED" },
      },
    ];
    for (const { lines, expected } of cases) {
      expect(await rejection(bed.service.reserveStock({ orderId, lines }))).toMatchObject({
        code: "INVALID_ARGUMENT",
        ...expected,
      });
    }
    expect(await stockOf(product.id)).toBe(5_000);
  });

  it("releases a held reservation once, restoring the stock exactly, however often it is called", async () => {
    const first = await createStockedProduct(7);
    const second = await createStockedProduct(2);
    const orderId = newId();
    await bed.service.reserveStock({
      orderId,
      lines: [
        { productId: second.id, quantity: 2 },
        { productId: first.id, quantity: 5 },
      ],
    });
    expect([await stockOf(first.id), await stockOf(second.id)]).toEqual([2, 0]);
    const releases = await Promise.all([1, 2, 3].map(() => bed.service.releaseReservation(orderId)));
    expect(releases.map((reservation) => reservation.status)).toEqual(["released", "released", "released"]);
    expect((await bed.service.releaseReservation(orderId)).status).toBe("released");
    expect([await stockOf(first.id), await stockOf(second.id)]).toEqual([7, 2]);

    const commit = await rejection(bed.service.commitReservation(orderId));
    expect(commit).toMatchObject({ code: "FAILED_PRECONDITION", field: "orderId" });
    // Repeating the reservation returns the released one and takes nothing.
    const repeated = await bed.service.reserveStock({
      orderId,
      lines: [
        { productId: first.id, quantity: 5 },
        { productId: second.id, quantity: 2 },
      ],
    });
    expect(repeated.status).toBe("released");
    expect([await stockOf(first.id), await stockOf(second.id)]).toEqual([7, 2]);
  });

  it("commits a held reservation idempotently, keeping the stock taken, and then refuses to release it", async () => {
    const product = await createStockedProduct(4);
    const orderId = newId();
    await bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 3 }] });
    const committed = await bed.service.commitReservation(orderId);
    expect(committed).toMatchObject({ orderId, status: "committed", lines: [{ productId: product.id, quantity: 3 }] });
    expect((await bed.service.commitReservation(orderId)).status).toBe("committed");
    expect(await rejection(bed.service.releaseReservation(orderId))).toMatchObject({
      code: "FAILED_PRECONDITION",
      field: "orderId",
    });
    expect(await stockOf(product.id)).toBe(1);
    expect(await rejection(bed.service.commitReservation(newId()))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("regression: reserves once per order however often repeated, per variant; other lines for it conflict", async () => {
    const product = await createTShirt(["S", "M"], ["red"], () => 5);
    const [small, medium] = product.variants;
    const orderId = newId();
    const lines = [
      { productId: product.id, variantId: small!.id, quantity: 2 },
      { productId: product.id, variantId: medium!.id, quantity: 1 },
    ];
    const results = await Promise.all(Array.from({ length: 10 }, () => bed.service.reserveStock({ orderId, lines })));
    expect(new Set(results.map((reservation) => JSON.stringify(reservation.lines))).size).toBe(1);
    expect(await variantStock(small!.id)).toBe(3);
    expect(await variantStock(medium!.id)).toBe(4);
    const swapped = await rejection(
      bed.service.reserveStock({
        orderId,
        lines: [
          { productId: product.id, variantId: small!.id, quantity: 1 },
          { productId: product.id, variantId: medium!.id, quantity: 2 },
        ],
      }),
    );
    expect(swapped).toMatchObject({ code: "ALREADY_EXISTS", reason: "RESERVATION_CONFLICT", field: "orderId" });
    await bed.service.releaseReservation(orderId);
    await bed.service.releaseReservation(orderId);
    expect(await variantStock(small!.id)).toBe(5);
    expect(await variantStock(medium!.id)).toBe(5);
    expect((await bed.service.getProduct(product.id)).stock).toBe(10);
  });

  it("refuses a variant of another product and an unknown variant, taking nothing", async () => {
    const shirt = await createTShirt(["S"], ["red"]);
    const other = await createTShirt(["S"], ["blue"]);
    const foreign = await rejection(
      bed.service.reserveStock({
        orderId: newId(),
        lines: [
          { productId: shirt.id, quantity: 1 },
          { productId: shirt.id, variantId: other.variants[0]!.id, quantity: 1 },
        ],
      }),
    );
    expect(foreign).toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    const unknown = await rejection(bed.service.adjustStock({ productId: shirt.id, variantId: newId(), delta: 1 }));
    expect(unknown).toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    expect((await bed.service.getProduct(shirt.id)).stock).toBe(5);
    expect((await bed.service.getProduct(other.id)).stock).toBe(5);
  });
});
