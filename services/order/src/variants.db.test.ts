import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import type { Order } from "./model.js";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService carts and orders per variant on $name", (backend) => {
  const bed = useOrderService(backend);
  const { newAccount, newProduct, newVariant, variantStock, stock, heldReservations } = bed;

  const mOptions = [
    { name: "Size", value: "M" },
    { name: "Colour", value: "red" },
  ];

  /** A T-shirt: its default variant (USD 10.00, 5 units) and two sized ones with their own SKU, price and stock. */
  async function tShirt(stocks = { base: 5, m: 3, l: 4 }) {
    const productId = await newProduct(1000, stocks.base);
    const tag = newId().slice(-8).toUpperCase();
    const m = await newVariant(productId, {
      sku: `TS-M-${tag}`,
      priceCents: 1200,
      stock: stocks.m,
      options: { Size: "M", Colour: "red" },
    });
    const l = await newVariant(productId, {
      sku: `TS-L-${tag}`,
      priceCents: 1300,
      stock: stocks.l,
      options: { Size: "L", Colour: "red" },
    });
    return { productId, m, l, tag };
  }

  it("keeps two variants of one product as two lines, each priced, named and counted by its variant", async () => {
    const accountId = await newAccount();
    const { productId, m, l, tag } = await tShirt();
    // No variant id: the default variant, as the Go-compatible addToCart always meant.
    await bed.orders.addCartItem(context(), accountId, { productId, quantity: 1 });
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 2 });
    const cart = await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 2 });
    expect(cart).toMatchObject({
      currency: "USD",
      totalCents: 1000 + 4 * 1200,
      lines: [
        {
          productId,
          variantId: productId,
          sku: productId.toUpperCase(),
          options: [],
          quantity: 1,
          unitPriceCents: 1000,
        },
        {
          productId,
          variantId: m,
          sku: `TS-M-${tag}`,
          options: mOptions,
          quantity: 4,
          unitPriceCents: 1200,
          lineTotalCents: 4800,
          // 3 units of M on hand: the line is short although the product has 12 over its variants.
          inStock: false,
          availableStock: 3,
        },
      ],
    });
    const set = await bed.orders.setCartItemQuantity(context(), accountId, { productId, variantId: l, quantity: 2 });
    expect(set.lines.map((line) => [line.variantId, line.quantity])).toEqual([
      [productId, 1],
      [m, 4],
      [l, 2],
    ]);
    // Removing one variant's line leaves the product's others.
    const removed = await bed.orders.removeCartItem(context(), accountId, { productId, variantId: m });
    expect(removed.lines.map((line) => line.variantId)).toEqual([productId, l]);
    expect(
      (await bed.orders.removeCartItem(context(), accountId, { productId })).lines.map((line) => line.variantId),
    ).toEqual([l]);
  });

  it("refuses a variant of another product, an unknown or malformed one, and stores nothing", async () => {
    const accountId = await newAccount();
    const { productId } = await tShirt();
    const other = await tShirt();
    for (const variantId of [other.m, newId()]) {
      await expect(
        bed.orders.addCartItem(context(), accountId, { productId, variantId, quantity: 1 }),
      ).rejects.toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    }
    await expect(
      bed.orders.addCartItem(context(), accountId, { productId, variantId: "not-an-id", quantity: 1 }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "variantId" });
    await expect(
      bed.orders.placeOrder(context(), accountId, [{ productId, variantId: other.l, quantity: 1 }], ""),
    ).rejects.toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    expect((await bed.orders.getCart(context(), accountId)).lines).toEqual([]);
    expect(await variantStock(other.productId, other.l)).toEqual([4]);
  });

  it("refuses a variant in another currency than the cart's, under the cart lock", async () => {
    const accountId = await newAccount();
    const { productId } = await tShirt();
    const yen = await newVariant(productId, {
      sku: `TS-JP-${newId().slice(-8)}`,
      priceCents: 1500,
      stock: 9,
      currency: "JPY",
      options: { Size: "XL", Colour: "red" },
    });
    await bed.orders.addCartItem(context(), accountId, { productId, quantity: 1 });
    await expect(
      bed.orders.addCartItem(context(), accountId, { productId, variantId: yen, quantity: 1 }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "CURRENCY_MISMATCH" });
  });

  it("checks out a snapshot of each variant (SKU, options, price) and reserves per variant", async () => {
    const accountId = await newAccount();
    const { productId, m, l, tag } = await tShirt();
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 2 });
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: l, quantity: 1 });
    const order = await bed.orders.checkout(context(), accountId, "");
    const expected = [
      {
        productId,
        variantId: m,
        sku: `TS-M-${tag}`,
        options: mOptions,
        unitPriceCents: 1200,
        quantity: 2,
        lineTotalCents: 2400,
      },
      { productId, variantId: l, sku: `TS-L-${tag}`, unitPriceCents: 1300, quantity: 1, lineTotalCents: 1300 },
    ];
    expect(order).toMatchObject({ totalCents: 3700, currency: "USD", lines: expected });
    expect(await variantStock(productId, productId, m, l)).toEqual([5, 1, 3]);
    expect(await stock(productId)).toEqual([9]);
    // A later change of the variant leaves the order's snapshot alone.
    await bed.services.products.updateVariant({ id: m, sku: `TS-M2-${tag}`, priceCents: 9900, options: undefined });
    expect((await bed.orders.getOrder(order.id)).lines).toMatchObject(expected);
    expect((await bed.orders.getCart(context(), accountId)).lines).toEqual([]);
  });

  it("merges placeOrder lines per variant, not per product", async () => {
    const accountId = await newAccount();
    const { productId, m } = await tShirt();
    const order = await bed.orders.placeOrder(
      context(),
      accountId,
      [
        { productId, variantId: m, quantity: 1 },
        { productId, quantity: 2 },
        { productId, variantId: m, quantity: 1 },
      ],
      "",
    );
    expect(order.lines.map((line) => [line.variantId, line.quantity])).toEqual([
      [m, 2],
      [productId, 2],
    ]);
    expect(await variantStock(productId, productId, m)).toEqual([3, 1]);
  });

  it("race: 30 carts over three variants of one product check out at once; the sums hold per variant", async () => {
    const { productId, m, l } = await tShirt({ base: 10, m: 10, l: 10 });
    const variants = [productId, m, l];
    const buyers = await Promise.all(Array.from({ length: 30 }, () => newAccount()));
    for (const [index, accountId] of buyers.entries()) {
      // Each buyer wants 1 or 2 units of two of the three variants: 30 × 3 = 90 units asked for, 30 on hand.
      for (const variantId of [variants[index % 3]!, variants[(index + 1) % 3]!]) {
        await bed.orders.addCartItem(context(), accountId, { productId, variantId, quantity: 1 + (index % 2) });
      }
    }
    const results = await Promise.allSettled(buyers.map((accountId) => bed.orders.checkout(context(), accountId, "")));
    const placed: Order[] = [];
    for (const result of results) {
      if (result.status === "fulfilled") placed.push(result.value);
      else expect(result.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK" });
    }
    expect(placed.length).toBeGreaterThan(0);
    const sold = (variantId: string) =>
      placed
        .flatMap((order) => order.lines)
        .filter((line) => line.variantId === variantId)
        .reduce((sum, line) => sum + line.quantity, 0);
    const left = await variantStock(productId, ...variants);
    expect(left).toEqual(variants.map((variantId) => 10 - sold(variantId)));
    expect(left.every((units) => units >= 0)).toBe(true);
    expect(await stock(productId)).toEqual([30 - variants.reduce((sum, id) => sum + sold(id), 0)]);
    // Every placed order's reservation is held; the refused ones took nothing and left their carts as they were.
    const held = new Set(await bed.heldReservations());
    expect(placed.every((order) => held.has(order.id))).toBe(true);
    for (const [index, result] of results.entries()) {
      const cart = await bed.orders.getCart(context(), buyers[index]!);
      expect(cart.lines).toHaveLength(result.status === "fulfilled" ? 0 : 2);
    }
  });

  // The hold limit is per product, summed over its variants (limits.ts says why).
  it("counts the hold limit per product over its variants, in one order and across orders, also when orders race", async () => {
    const service = bed.withPolicy({ maxHeldUnitsPerProduct: 4 });
    const { productId, m, l } = await tShirt({ base: 50, m: 50, l: 50 });
    const accountId = await newAccount();
    const refusal = { code: "FAILED_PRECONDITION", reason: "HOLD_LIMIT_EXCEEDED", field: "quantity" };
    await expect(
      service.placeOrder(
        context(),
        accountId,
        [
          { productId, variantId: m, quantity: 3 },
          { productId, variantId: l, quantity: 2 },
        ],
        "",
      ),
    ).rejects.toMatchObject(refusal);
    await service.placeOrder(context(), accountId, [{ productId, variantId: m, quantity: 3 }], "");
    await expect(
      service.placeOrder(context(), accountId, [{ productId, variantId: l, quantity: 2 }], ""),
    ).rejects.toMatchObject(refusal);
    await service.placeOrder(context(), accountId, [{ productId, quantity: 1 }], "");

    // Two orders of one account racing for 3 units each of different variants: the lock lets only one fit under 4.
    const racer = await newAccount();
    const results = await Promise.allSettled(
      [m, l].map((variantId) => service.placeOrder(context(), racer, [{ productId, variantId, quantity: 3 }], "")),
    );
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({ reason: refusal });
    // Units taken: 3 + 1 by the first account, 3 by the racer's winner; the refusals gave theirs back.
    await bed.reconcile();
    expect(await stock(productId)).toEqual([150 - 7]);
  });

  it("keeps a variant line of an archived product as unavailable and refuses its checkout", async () => {
    const accountId = await newAccount();
    const { productId, m } = await tShirt();
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 1 });
    await bed.services.products.archiveProduct({ id: productId });
    expect((await bed.orders.getCart(context(), accountId)).lines).toMatchObject([
      { variantId: m, archived: true, inStock: false, availableStock: 0 },
    ]);
    await expect(bed.orders.checkout(context(), accountId, "")).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "PRODUCT_ARCHIVED",
    });
    expect(await variantStock(productId, m)).toEqual([3]);
  });
  it("keeps an archived variant's line as unavailable, refuses to add it or check it out; the others still sell", async () => {
    const accountId = await newAccount();
    const { productId, m, l, tag } = await tShirt();
    // A past order of M keeps its snapshot through the archive.
    const past = await bed.orders.placeOrder(context(), accountId, [{ productId, variantId: m, quantity: 1 }], "");
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 1 });
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: l, quantity: 1 });
    await bed.services.products.archiveVariant({ id: m });
    expect((await bed.orders.getCart(context(), accountId)).lines).toMatchObject([
      { variantId: m, sku: `TS-M-${tag}`, archived: true, inStock: false, availableStock: 0 },
      { variantId: l, archived: false, inStock: true, availableStock: 4 },
    ]);
    const stranger = await newAccount();
    for (const change of [
      () => bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 1 }),
      () => bed.orders.setCartItemQuantity(context(), accountId, { productId, variantId: m, quantity: 2 }),
      () => bed.orders.addCartItem(context(), stranger, { productId, variantId: m, quantity: 1 }),
      () => bed.orders.checkout(context(), accountId, ""),
      () => bed.orders.placeOrder(context(), stranger, [{ productId, variantId: m, quantity: 1 }], ""),
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
    await bed.orders.removeCartItem(context(), accountId, { productId, variantId: m });
    await bed.orders.checkout(context(), accountId, "");
    await bed.orders.placeOrder(context(), stranger, [{ productId, quantity: 1 }], "");
    expect(await variantStock(productId, productId, m, l)).toEqual([4, 2, 3]);
    // Restored, it sells again.
    await bed.services.products.restoreVariant({ id: m });
    await bed.orders.addCartItem(context(), stranger, { productId, variantId: m, quantity: 2 });
    await bed.orders.checkout(context(), stranger, "");
    expect(await variantStock(productId, m)).toEqual([0]);
  });

  it("totals only what checkout would charge; an archived line is shown, not counted, and may be lowered, not raised", async () => {
    const accountId = await newAccount();
    const { productId, m, l } = await tShirt({ base: 5, m: 3, l: 1 });
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 2 });
    await bed.orders.addCartItem(context(), accountId, { productId, variantId: l, quantity: 2 });
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
      bed.orders.setCartItemQuantity(context(), owner, { productId, variantId: m, quantity });
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
    const lowered = await bed.orders.setCartItemQuantity(context(), accountId, {
      productId,
      variantId: l,
      quantity: 1,
    });
    expect(lowered.lines[1]).toMatchObject({ variantId: l, quantity: 1, archived: true });
    await expect(
      bed.orders.setCartItemQuantity(context(), accountId, { productId, variantId: l, quantity: 3 }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "PRODUCT_ARCHIVED", field: "productId" });
    expect((await bed.orders.removeCartItem(context(), accountId, { productId, variantId: m })).lines).toHaveLength(1);
  });

  it("race: archiving a variant while 30 carts holding it check out: each order is placed or refused, sums hold", async () => {
    const { productId, m, l } = await tShirt({ base: 5, m: 500, l: 500 });
    const buyers = await Promise.all(Array.from({ length: 30 }, () => newAccount()));
    for (const [index, accountId] of buyers.entries()) {
      await bed.orders.addCartItem(context(), accountId, { productId, variantId: m, quantity: 1 + (index % 3) });
      await bed.orders.addCartItem(context(), accountId, { productId, variantId: l, quantity: 1 });
    }
    const checkouts = buyers.map((accountId) => bed.orders.checkout(context(), accountId, newId()));
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
