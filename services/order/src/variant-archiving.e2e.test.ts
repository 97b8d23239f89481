import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService carts and orders of archived variants on $name", (backend) => {
  const bed = useOrderService(backend);
  const { newAccount, newTShirt, variantStock, heldReservations } = bed;

  it("keeps a variant line of an archived product as unavailable and refuses its checkout", async () => {
    const accountId = await newAccount();
    const { productId, m } = await newTShirt();
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 1 });
    await bed.services.products.archiveProduct({ id: productId });
    expect((await bed.orders.getCart(context(), accountId)).lines).toMatchObject([
      { variantId: m, archived: true, inStock: false, availableStock: 0 },
    ]);
    await expect(bed.orders.checkout(context(), { accountId, idempotencyKey: "" })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "PRODUCT_ARCHIVED",
    });
    expect(await variantStock(productId, m)).toEqual([3]);
  });

  it("keeps an archived variant's line as unavailable, refuses to add it or check it out; the others still sell", async () => {
    const accountId = await newAccount();
    const { productId, m, l, tag } = await newTShirt();
    // A past order of M keeps its snapshot through the archive.
    const past = await bed.orders.placeOrder(context(), {
      accountId,
      lines: [{ productId, variantId: m, quantity: 1 }],
      idempotencyKey: "",
    });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 1 });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: l, quantity: 1 });
    await bed.services.products.archiveVariant({ id: m });
    expect((await bed.orders.getCart(context(), accountId)).lines).toMatchObject([
      { variantId: m, sku: `TS-M-${tag}`, archived: true, inStock: false, availableStock: 0 },
      { variantId: l, archived: false, inStock: true, availableStock: 4 },
    ]);
    const stranger = await newAccount();
    for (const change of [
      () => bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 1 }),
      () => bed.orders.setCartItemQuantity(context(), { owner: accountId, productId, variantId: m, quantity: 2 }),
      () => bed.orders.addCartItem(context(), { owner: stranger, productId, variantId: m, quantity: 1 }),
      () => bed.orders.checkout(context(), { accountId, idempotencyKey: "" }),
      () =>
        bed.orders.placeOrder(context(), {
          accountId: stranger,
          lines: [{ productId, variantId: m, quantity: 1 }],
          idempotencyKey: "",
        }),
    ]) {
      await expect(change()).rejects.toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "VARIANT_ARCHIVED",
        field: "variantId",
      });
    }
    expect(await variantStock(productId, m, l)).toEqual([2, 4]);
    expect((await bed.orders.getOrder(past.id)).lines).toMatchObject([
      { variantId: m, sku: `TS-M-${tag}`, quantity: 1, unitPriceCents: 1200 },
    ]);
    // Without the archived line the cart checks out; the stranger buys the default and L.
    await bed.orders.removeCartItem(context(), { owner: accountId, productId, variantId: m });
    await bed.orders.checkout(context(), { accountId, idempotencyKey: "" });
    await bed.orders.placeOrder(context(), {
      accountId: stranger,
      lines: [{ productId, quantity: 1 }],
      idempotencyKey: "",
    });
    expect(await variantStock(productId, productId, m, l)).toEqual([4, 2, 3]);
    // Restored, it sells again.
    await bed.services.products.restoreVariant({ id: m });
    await bed.orders.addCartItem(context(), { owner: stranger, productId, variantId: m, quantity: 2 });
    await bed.orders.checkout(context(), { accountId: stranger, idempotencyKey: "" });
    expect(await variantStock(productId, m)).toEqual([0]);
  });

  it("totals only what checkout would charge; an archived line is shown, not counted, and may be lowered, not raised", async () => {
    const accountId = await newAccount();
    const { productId, m, l } = await newTShirt({ base: 5, m: 3, l: 1 });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 2 });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: l, quantity: 2 });
    // L is short of stock: still for sale, so counted (checkout would name it rather than charge less).
    expect(await bed.orders.getCart(context(), accountId)).toMatchObject({
      totalCents: 2 * 1200 + 2 * 1300,
      lines: [{ variantId: m }, { variantId: l, inStock: false }],
    });
    await bed.services.products.archiveVariant({ id: m });
    expect(await bed.orders.getCart(context(), accountId)).toMatchObject({
      totalCents: 2 * 1300,
      lines: [{ variantId: m, quantity: 2, lineTotalCents: 2400, archived: true }, { variantId: l }],
    });
    const setM = (quantity: number, owner = accountId) =>
      bed.orders.setCartItemQuantity(context(), { owner, productId, variantId: m, quantity });
    expect((await setM(1)).lines[0]).toMatchObject({ variantId: m, quantity: 1, archived: true });
    expect((await setM(1)).lines[0]).toMatchObject({ variantId: m, quantity: 1 });
    const archived = { code: "FAILED_PRECONDITION", reason: "VARIANT_ARCHIVED", field: "variantId" };
    await expect(setM(2)).rejects.toMatchObject(archived);
    // A cart without the line cannot get it by setting a quantity either.
    await expect(setM(1, await newAccount())).rejects.toMatchObject(archived);
    expect(await bed.orders.getCart(context(), accountId)).toMatchObject({
      totalCents: 2 * 1300,
      lines: [
        { variantId: m, quantity: 1 },
        { variantId: l, quantity: 2 },
      ],
    });
    // An archived product: every line of it is out of the total, and may still be lowered.
    await bed.services.products.archiveProduct({ id: productId });
    expect(await bed.orders.getCart(context(), accountId)).toMatchObject({ totalCents: 0, currency: "USD" });
    const lowered = await bed.orders.setCartItemQuantity(context(), {
      owner: accountId,
      productId,
      variantId: l,
      quantity: 1,
    });
    expect(lowered.lines[1]).toMatchObject({ variantId: l, quantity: 1, archived: true });
    await expect(
      bed.orders.setCartItemQuantity(context(), { owner: accountId, productId, variantId: l, quantity: 3 }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "PRODUCT_ARCHIVED", field: "productId" });
    expect(
      (await bed.orders.removeCartItem(context(), { owner: accountId, productId, variantId: m })).lines,
    ).toHaveLength(1);
  });

  it("race: archiving a variant while 30 carts holding it check out: each order is placed or refused, sums hold", async () => {
    const { productId, m, l } = await newTShirt({ base: 5, m: 500, l: 500 });
    const buyers = await Promise.all(Array.from({ length: 30 }, () => newAccount()));
    for (const [index, accountId] of buyers.entries()) {
      await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 1 + (index % 3) });
      await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: l, quantity: 1 });
    }
    const checkouts = buyers.map((accountId) => bed.orders.checkout(context(), { accountId, idempotencyKey: newId() }));
    await bed.services.products.archiveVariant({ id: m });
    const results = await Promise.allSettled(checkouts);
    const placed = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    for (const [index, result] of results.entries()) {
      const cart = await bed.orders.getCart(context(), buyers[index]!);
      if (result.status === "rejected") {
        expect(result.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason: "VARIANT_ARCHIVED" });
        expect(cart.lines.find((line) => line.variantId === m)).toMatchObject({ archived: true });
      } else {
        expect(cart.lines).toEqual([]);
      }
    }
    // Sums per variant: each lost exactly the units of the placed orders; refused checkouts hold nothing.
    const sold = (variantId: string) =>
      placed
        .flatMap((order) => order.lines)
        .filter((line) => line.variantId === variantId)
        .reduce((sum, line) => sum + line.quantity, 0);
    expect(await variantStock(productId, m, l)).toEqual([500 - sold(m), 500 - sold(l)]);
    const held = new Set(await heldReservations());
    expect(placed.every((order) => held.has(order.id))).toBe(true);
  });
});
