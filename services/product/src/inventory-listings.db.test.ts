import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { rejection, useProductService } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService reservation and stock listings on $name", (backend) => {
  const bed = useProductService(backend);
  const { createStockedProduct } = bed;

  it("lists reservations by status and age, oldest first", async () => {
    const product = await createStockedProduct(10);
    const orderIds = [newId(), newId(), newId()];
    for (const orderId of orderIds) {
      await bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
    }
    await bed.service.commitReservation(orderIds[1]!);
    const held = await bed.service.listReservations({ status: "held", take: 0 });
    const ours = held.filter((reservation) => orderIds.includes(reservation.orderId));
    expect(ours.map((reservation) => reservation.orderId)).toEqual([orderIds[0], orderIds[2]]);
    const createdTimes = held.map((reservation) => reservation.createdAt.getTime());
    expect(createdTimes).toEqual([...createdTimes].sort((a, b) => a - b));
    const committed = await bed.service.listReservations({ status: "committed", take: 0 });
    expect(committed.map((reservation) => reservation.orderId)).toContain(orderIds[1]);
    expect(committed.every((reservation) => reservation.status === "committed")).toBe(true);
    expect(await bed.service.listReservations({ createdBefore: new Date(0), take: 0 })).toEqual([]);
    expect(await bed.service.listReservations({ take: 1 })).toHaveLength(1);
  });

  it("tells stock on hand, available, held and sold per product, and lists the biggest holds first", async () => {
    // Seen: an operator could not see that one unpaid order held a product's whole stock.
    const product = await createStockedProduct(10);
    const [held, sold, released] = [newId(), newId(), newId()];
    await bed.service.reserveStock({ orderId: held, lines: [{ productId: product.id, quantity: 3 }] });
    await bed.service.reserveStock({ orderId: sold, lines: [{ productId: product.id, quantity: 2 }] });
    await bed.service.reserveStock({ orderId: released, lines: [{ productId: product.id, quantity: 1 }] });
    await bed.service.commitReservation(sold);
    await bed.service.releaseReservation(released);
    const untouched = await createStockedProduct(4);
    expect(await bed.service.listStockLevels({ productIds: [untouched.id, product.id, newId()], take: 0 })).toEqual([
      { productId: untouched.id, onHand: 4, available: 4, held: 0, sold: 0 },
      { productId: product.id, onHand: 8, available: 5, held: 3, sold: 2 },
    ]);

    const hoarded = await createStockedProduct(1000);
    await bed.service.reserveStock({ orderId: newId(), lines: [{ productId: hoarded.id, quantity: 999 }] });
    const top = await bed.service.listStockLevels({ productIds: [], take: 0 });
    expect(top[0]).toEqual({ productId: hoarded.id, onHand: 1000, available: 1, held: 999, sold: 0 });
    expect(top.map((level) => level.held)).toEqual(top.map((level) => level.held).sort((a, b) => b - a));
    expect(top.every((level) => level.held > 0)).toBe(true);
    expect(await bed.service.listStockLevels({ productIds: [], take: 1 })).toHaveLength(1);
    expect(await rejection(bed.service.listStockLevels({ productIds: ["x"], take: 0 }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "productIds",
    });
  });

  it("pages through every held reservation by keyset, none skipped or repeated, even when created together", async () => {
    const product = await createStockedProduct(100);
    // Created concurrently, so several share a created_at down to the millisecond.
    const orderIds = Array.from({ length: 37 }, () => newId());
    await Promise.all(
      orderIds.map((orderId) => bed.service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] })),
    );
    const seen: string[] = [];
    let afterOrderId: string | undefined;
    for (;;) {
      const page = await bed.service.listReservations({ status: "held", take: 5, afterOrderId });
      seen.push(...page.map((reservation) => reservation.orderId));
      if (page.length < 5) break;
      afterOrderId = page[page.length - 1]!.orderId;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(orderIds));
    const all = await bed.service.listReservations({ status: "held", take: 1000 });
    expect(seen).toEqual(all.map((reservation) => reservation.orderId));
    expect(
      await rejection(bed.service.listReservations({ status: "held", take: 5, afterOrderId: newId() })),
    ).toMatchObject({ code: "INVALID_ARGUMENT", field: "afterOrderId" });
    expect(
      await rejection(bed.service.listReservations({ status: "held", take: 5, afterOrderId: "nope" })),
    ).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "afterOrderId",
    });
  });
});
