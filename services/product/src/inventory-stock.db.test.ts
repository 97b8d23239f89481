import { newId, onEventsCommitted } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService stock changes on $name", (backend) => {
  const bed = useProductService(backend);
  const { createStockedProduct, createTShirt, stockOf, reservedUnits, eventNamesOf } = bed;

  it("adjusts stock by a signed delta but never below zero", async () => {
    const product = await createStockedProduct(5);
    expect((await bed.service.adjustStock({ productId: product.id, delta: 3 })).stock).toBe(8);
    expect((await bed.service.adjustStock({ productId: product.id, delta: -8 })).stock).toBe(0);
    const below = await rejection(bed.service.adjustStock({ productId: product.id, delta: -1 }));
    expect(below).toMatchObject({ code: "FAILED_PRECONDITION", field: "delta" });
    expect(await stockOf(product.id)).toBe(0);
    expect(await rejection(bed.service.adjustStock({ productId: product.id, delta: 0 }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "delta",
    });
    expect(await rejection(bed.service.adjustStock({ productId: newId(), delta: 1 }))).toMatchObject({
      code: "NOT_FOUND",
      field: "productId",
    });
    // Creation and the two successful adjustments, nothing for the refused one.
    expect(await eventNamesOf(product.id)).toEqual([
      "product.created",
      "product.stock_changed",
      "product.stock_changed",
    ]);
  });

  it("writes stock events in the order the stock changes committed, each with the stock it left", async () => {
    const product = await createStockedProduct(12);
    const held = newId();
    await bed.service.reserveStock({ orderId: held, lines: [{ productId: product.id, quantity: 2 }] });
    // Concurrent reservations (more than the stock: some may be refused), a release and restocks of one product.
    const reservations = await Promise.allSettled([
      ...Array.from({ length: 16 }, () =>
        bed.service.reserveStock({ orderId: newId(), lines: [{ productId: product.id, quantity: 1 }] }),
      ),
      bed.service.releaseReservation(held),
      bed.service.adjustStock({ productId: product.id, delta: 3 }),
      bed.service.adjustStock({ productId: product.id, delta: 1 }),
    ]);
    const reserved = reservations.slice(0, 16).filter((outcome) => outcome.status === "fulfilled").length;
    const changes = (
      await bed.database.query<{ body: string }>(
        "SELECT body FROM event_outbox WHERE aggregate_id = $1 AND subject = $2 ORDER BY id",
        [product.id, "polyscale.product.stock_changed"],
      )
    ).rows.map((row) => JSON.parse(row.body) as { data: { stock?: number; delta: number } });
    // The first reservation, the successful ones, the release and the two restocks.
    expect(changes).toHaveLength(1 + reserved + 1 + 2);
    // In outbox (publishing) order, each event's stock is the one before plus its delta: the order they committed in.
    let stock = 12;
    for (const { data } of changes) {
      expect(data.stock ?? 0).toBe(stock + data.delta);
      stock += data.delta;
    }
    expect(stock).toBe(await stockOf(product.id));
    // Nothing oversold: the stock lost what the successful reservations hold (the released 2 went back).
    expect(stock).toBe(12 + 4 - reserved);
    expect(await reservedUnits(product.id)).toBe(2 + reserved);
  });

  it("wakes the outbox relays only after a stock change that wrote events, not after a refused or repeated one", async () => {
    const product = await createStockedProduct(1);
    let wakeUps = 0;
    const stopListening = onEventsCommitted(() => (wakeUps += 1));
    try {
      const orderId = newId();
      await bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
      expect(wakeUps).toBe(1);
      // The repeat answers the existing reservation; the others are refused: none writes an event, so a relay woken
      // for them would only look at the outbox and find nothing (a sold-out race's many refusals did that).
      await bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
      await rejection(bed.service.reserveStock({ orderId: newId(), lines: [{ productId: product.id, quantity: 1 }] }));
      await rejection(bed.service.adjustStock({ productId: product.id, delta: -1 }));
      expect(wakeUps).toBe(1);
      await bed.service.adjustStock({ productId: product.id, delta: 1 });
      expect(wakeUps).toBe(2);
    } finally {
      stopListening();
    }
    expect(await eventNamesOf(product.id)).toEqual([
      "product.created",
      "product.stock_changed",
      "product.stock_changed",
    ]);
  });

  it("writes one stock_changed event per variant moved, naming the variant, its SKU and both stocks", async () => {
    const product = await createTShirt(["S", "M"], ["red"], () => 5);
    const [small, medium] = product.variants;
    const orderId = newId();
    await bed.service.reserveStock({
      orderId,
      lines: [
        { productId: product.id, variantId: small!.id, quantity: 2 },
        { productId: product.id, variantId: medium!.id, quantity: 1 },
      ],
    });
    await bed.service.adjustStock({ productId: product.id, variantId: medium!.id, delta: 4 });
    const events = (
      await bed.database.query<{ body: string; aggregate_id: string }>(
        "SELECT body, aggregate_id FROM event_outbox WHERE aggregate_id = $1 AND subject = $2 ORDER BY id",
        [product.id, "polyscale.product.stock_changed"],
      )
    ).rows.map((row) => JSON.parse(row.body) as { subject: string; data: Record<string, unknown> });
    expect(events.map((event) => event.subject)).toEqual([product.id, product.id, product.id]);
    const byVariant = (id: string) => events.filter((event) => event.data.variantId === id).map((e) => e.data);
    expect(byVariant(small!.id)).toEqual([
      expect.objectContaining({ sku: small!.sku, variantStock: 3, delta: -2, cause: "reserved", orderId }),
    ]);
    expect(byVariant(medium!.id)).toEqual([
      expect.objectContaining({ sku: medium!.sku, variantStock: 4, delta: -1, cause: "reserved" }),
      expect.objectContaining({ sku: medium!.sku, variantStock: 8, stock: 11, delta: 4, cause: "adjusted" }),
    ]);
    // Both reservation events carry the product's stock after the statement: 10 - 3.
    expect(events.slice(0, 2).map((event) => event.data.stock)).toEqual([7, 7]);
  });
});
