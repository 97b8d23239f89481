import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import type { Order } from "./model.js";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService carts and orders per variant on $name", (backend) => {
  const bed = useOrderService(backend);
  const { newAccount, newTShirt, newVariant, variantStock, stock } = bed;

  const mOptions = [
    { name: "Size", value: "M" },
    { name: "Colour", value: "red" },
  ];

  it("keeps two variants of one product as two lines, each priced, named and counted by its variant", async () => {
    const accountId = await newAccount();
    const { productId, m, l, tag } = await newTShirt();
    // No variant id: the default variant, as the Go-compatible addToCart always meant.
    await bed.orders.addCartItem(context(), { owner: accountId, productId, quantity: 1 });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 2 });
    const cart = await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 2 });
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
    const set = await bed.orders.setCartItemQuantity(context(), {
      owner: accountId,
      productId,
      variantId: l,
      quantity: 2,
    });
    expect(set.lines.map((line) => [line.variantId, line.quantity])).toEqual([
      [productId, 1],
      [m, 4],
      [l, 2],
    ]);
    // Removing one variant's line leaves the product's others.
    const removed = await bed.orders.removeCartItem(context(), { owner: accountId, productId, variantId: m });
    expect(removed.lines.map((line) => line.variantId)).toEqual([productId, l]);
    expect(
      (await bed.orders.removeCartItem(context(), { owner: accountId, productId })).lines.map((line) => line.variantId),
    ).toEqual([l]);
  });

  it("refuses a variant of another product, an unknown or malformed one, and stores nothing", async () => {
    const accountId = await newAccount();
    const { productId } = await newTShirt();
    const other = await newTShirt();
    for (const variantId of [other.m, newId()]) {
      await expect(
        bed.orders.addCartItem(context(), { owner: accountId, productId, variantId, quantity: 1 }),
      ).rejects.toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    }
    await expect(
      bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: "not-an-id", quantity: 1 }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "variantId" });
    await expect(
      bed.orders.placeOrder(context(), {
        accountId,
        lines: [{ productId, variantId: other.l, quantity: 1 }],
        idempotencyKey: "",
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" });
    expect((await bed.orders.getCart(context(), accountId)).lines).toEqual([]);
    expect(await variantStock(other.productId, other.l)).toEqual([4]);
  });

  it("refuses a variant in another currency than the cart's, under the cart lock", async () => {
    const accountId = await newAccount();
    const { productId } = await newTShirt();
    const yen = await newVariant(productId, {
      sku: `TS-JP-${newId().slice(-8)}`,
      priceCents: 1500,
      stock: 9,
      currency: "JPY",
      options: { Size: "XL", Colour: "red" },
    });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, quantity: 1 });
    await expect(
      bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: yen, quantity: 1 }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", reason: "CURRENCY_MISMATCH" });
  });

  it("checks out a snapshot of each variant (SKU, options, price) and reserves per variant", async () => {
    const accountId = await newAccount();
    const { productId, m, l, tag } = await newTShirt();
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: m, quantity: 2 });
    await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId: l, quantity: 1 });
    const order = await bed.orders.checkout(context(), { accountId, idempotencyKey: "" });
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
    const { productId, m } = await newTShirt();
    const order = await bed.orders.placeOrder(context(), {
      accountId,
      lines: [
        { productId, variantId: m, quantity: 1 },
        { productId, quantity: 2 },
        { productId, variantId: m, quantity: 1 },
      ],
      idempotencyKey: "",
    });
    expect(order.lines.map((line) => [line.variantId, line.quantity])).toEqual([
      [m, 2],
      [productId, 2],
    ]);
    expect(await variantStock(productId, productId, m)).toEqual([3, 1]);
  });

  it("race: 30 carts over three variants of one product check out at once; the sums hold per variant", async () => {
    const { productId, m, l } = await newTShirt({ base: 10, m: 10, l: 10 });
    const variants = [productId, m, l];
    const buyers = await Promise.all(Array.from({ length: 30 }, () => newAccount()));
    for (const [index, accountId] of buyers.entries()) {
      // Each buyer wants 1 or 2 units of two of the three variants: 30 × 3 = 90 units asked for, 30 on hand.
      for (const variantId of [variants[index % 3]!, variants[(index + 1) % 3]!]) {
        await bed.orders.addCartItem(context(), { owner: accountId, productId, variantId, quantity: 1 + (index % 2) });
      }
    }
    const results = await Promise.allSettled(
      buyers.map((accountId) => bed.orders.checkout(context(), { accountId, idempotencyKey: "" })),
    );
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
    const { productId, m, l } = await newTShirt({ base: 50, m: 50, l: 50 });
    const accountId = await newAccount();
    const refusal = { code: "FAILED_PRECONDITION", reason: "HOLD_LIMIT_EXCEEDED", field: "quantity" };
    await expect(
      service.placeOrder(context(), {
        accountId,
        lines: [
          { productId, variantId: m, quantity: 3 },
          { productId, variantId: l, quantity: 2 },
        ],
        idempotencyKey: "",
      }),
    ).rejects.toMatchObject(refusal);
    await service.placeOrder(context(), {
      accountId,
      lines: [{ productId, variantId: m, quantity: 3 }],
      idempotencyKey: "",
    });
    await expect(
      service.placeOrder(context(), {
        accountId,
        lines: [{ productId, variantId: l, quantity: 2 }],
        idempotencyKey: "",
      }),
    ).rejects.toMatchObject(refusal);
    await service.placeOrder(context(), { accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" });

    // Two orders of one account racing for 3 units each of different variants: the lock lets only one fit under 4.
    const racer = await newAccount();
    const results = await Promise.allSettled(
      [m, l].map((variantId) =>
        service.placeOrder(context(), {
          accountId: racer,
          lines: [{ productId, variantId, quantity: 3 }],
          idempotencyKey: "",
        }),
      ),
    );
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({ reason: refusal });
    // Units taken: 3 + 1 by the first account, 3 by the racer's winner; the refusals gave theirs back.
    await bed.reconcile();
    expect(await stock(productId)).toEqual([150 - 7]);
  });
});
