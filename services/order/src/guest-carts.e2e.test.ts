import { createHash } from "node:crypto";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { newCartToken } from "./cart-tokens.js";
import type { Cart } from "./model.js";
import { context, useOrderService } from "./test-order-service.js";

describe.each(databaseBackends())("OrderService guest carts on $name", (backend) => {
  const bed = useOrderService(backend);
  const { newAccount, newProduct } = bed;
  const notFound = { code: "NOT_FOUND", reason: "CART_NOT_FOUND", field: "cartToken" };

  /** A new guest cart holding `quantity` units of `productId`; its token. */
  async function guestCart(productId: string, quantity: number): Promise<string> {
    const cart = await bed.orders.addCartItem(context(), { owner: { cartToken: "" }, productId, quantity });
    return cart.cartToken!;
  }

  const quantities = (cart: Cart) => cart.lines.map((line) => [line.productId, line.quantity]);

  it("creates a guest cart on the first add, hands its token out once and stores only its SHA-256", async () => {
    const productId = await newProduct(250, 10);
    const created = await bed.orders.addCartItem(context(), { owner: { cartToken: "" }, productId, quantity: 2 });
    expect(created).toMatchObject({ accountId: "", totalCents: 500, lines: [{ productId, quantity: 2 }] });
    const token = created.cartToken!;
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const again = await bed.orders.addCartItem(context(), { owner: { cartToken: token }, productId, quantity: 1 });
    expect(again.cartToken).toBeUndefined();
    expect(quantities(await bed.orders.getCart(context(), { cartToken: token }))).toEqual([[productId, 3]]);
    const stored = await bed.database.query<{ tokenHash: Buffer; ttl: number }>(
      `SELECT token_hash AS "tokenHash", extract(epoch FROM expires_at - now())::int AS ttl FROM guest_carts
        WHERE token_hash = $1`,
      [createHash("sha256").update(token).digest()],
    );
    expect(stored.rows).toHaveLength(1);
    // The bed's TTL is an hour, moved on by every write.
    expect(stored.rows[0]!.ttl).toBeGreaterThan(3500);
    // Without a token (none made yet) a read is an empty cart, and a removal makes none.
    expect(await bed.orders.getCart(context(), { cartToken: "" })).toMatchObject({ lines: [], accountId: "" });
    expect(await bed.orders.clearCart(context(), { cartToken: "" })).toMatchObject({ lines: [] });
  });

  it("refuses a malformed, unknown or expired token with a coded error for every call, writing nothing", async () => {
    const productId = await newProduct(100, 10);
    const expired = await guestCart(productId, 1);
    await bed.database.query("UPDATE guest_carts SET expires_at = now() - interval '1 second' WHERE token_hash = $1", [
      createHash("sha256").update(expired).digest(),
    ]);
    const calls = (cartToken: string) => [
      () => bed.orders.getCart(context(), { cartToken }),
      () => bed.orders.addCartItem(context(), { owner: { cartToken }, productId, quantity: 1 }),
      () => bed.orders.setCartItemQuantity(context(), { owner: { cartToken }, productId, quantity: 1 }),
      () => bed.orders.removeCartItem(context(), { owner: { cartToken }, productId }),
      () => bed.orders.clearCart(context(), { cartToken }),
    ];
    for (const cartToken of [newCartToken(), expired]) {
      for (const call of calls(cartToken)) await expect(call()).rejects.toMatchObject(notFound);
    }
    for (const call of calls("not-a-token")) {
      await expect(call()).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "cartToken" });
    }
    await expect(
      bed.orders.mergeGuestCart(context(), { accountId: await newAccount(), cartToken: expired }),
    ).rejects.toMatchObject(notFound);
    // The sweep deletes the expired cart and its line; a live one stays.
    const live = await guestCart(productId, 1);
    const before = await bed.database.query<{ n: number }>("SELECT count(*)::int AS n FROM cart_items");
    expect(await bed.orders.sweepExpiredGuestCarts()).toBeGreaterThanOrEqual(1);
    const after = await bed.database.query<{ n: number }>("SELECT count(*)::int AS n FROM cart_items");
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n - 1);
    expect(quantities(await bed.orders.getCart(context(), { cartToken: live }))).toEqual([[productId, 1]]);
  });

  it("merges into the account's cart at login (units add up), after which the token is dead", async () => {
    const [a, b] = [await newProduct(100, 50), await newProduct(300, 50)];
    const accountId = await newAccount();
    await bed.orders.addCartItem(context(), { owner: accountId, productId: a, quantity: 2 });
    const token = await guestCart(a, 3);
    await bed.orders.addCartItem(context(), { owner: { cartToken: token }, productId: b, quantity: 1 });
    const merged = await bed.orders.mergeGuestCart(context(), { accountId, cartToken: token });
    expect(merged).toMatchObject({ accountId, totalCents: 5 * 100 + 300 });
    expect(quantities(merged)).toEqual([
      [a, 5],
      [b, 1],
    ]);
    await expect(bed.orders.getCart(context(), { cartToken: token })).rejects.toMatchObject(notFound);
    await expect(
      bed.orders.addCartItem(context(), { owner: { cartToken: token }, productId: a, quantity: 1 }),
    ).rejects.toMatchObject(notFound);
    await expect(bed.orders.mergeGuestCart(context(), { accountId, cartToken: token })).rejects.toMatchObject(notFound);
    const rows = await bed.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM guest_carts WHERE token_hash = $1",
      [createHash("sha256").update(token).digest()],
    );
    expect(rows.rows[0]!.n).toBe(0);
    // The merged cart checks out as the account's own.
    expect((await bed.orders.checkout(context(), { accountId, idempotencyKey: "" })).totalCents).toBe(800);
  });

  it("refuses a merge past the cart's limits as a whole: both carts and the token stay as they were", async () => {
    const accountId = await newAccount();
    const [dollars, yen] = [await newProduct(100, 2000), await newProduct(100, 50, "JPY")];
    await bed.orders.addCartItem(context(), { owner: accountId, productId: dollars, quantity: 999 });
    const overLine = await guestCart(dollars, 2);
    await expect(bed.orders.mergeGuestCart(context(), { accountId, cartToken: overLine })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "LIMIT_EXCEEDED",
      field: "quantity",
    });
    const otherCurrency = await guestCart(yen, 1);
    await expect(bed.orders.mergeGuestCart(context(), { accountId, cartToken: otherCurrency })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "CURRENCY_MISMATCH",
      field: "cartToken",
    });
    expect(quantities(await bed.orders.getCart(context(), accountId))).toEqual([[dollars, 999]]);
    expect(quantities(await bed.orders.getCart(context(), { cartToken: overLine }))).toEqual([[dollars, 2]]);
    expect(quantities(await bed.orders.getCart(context(), { cartToken: otherCurrency }))).toEqual([[yen, 1]]);

    // 99 lines in the account's cart, 2 more in the guest's: 101 would not fit an order.
    const fuller = await newAccount();
    // One at a time: a hundred concurrent creates can outlast the client's deadline on a loaded machine.
    const products: string[] = [];
    for (let index = 0; index < 101; index++) products.push(await newProduct(100, 10));
    for (const productId of products.slice(0, 99)) {
      await bed.orders.addCartItem(context(), { owner: fuller, productId, quantity: 1 });
    }
    const twoMore = await guestCart(products[99]!, 1);
    await bed.orders.addCartItem(context(), { owner: { cartToken: twoMore }, productId: products[100]!, quantity: 1 });
    await expect(bed.orders.mergeGuestCart(context(), { accountId: fuller, cartToken: twoMore })).rejects.toMatchObject(
      {
        code: "FAILED_PRECONDITION",
        reason: "CART_FULL",
      },
    );
    expect((await bed.orders.getCart(context(), fuller)).lines).toHaveLength(99);
    // One line fewer in the guest cart, and the same merge fits: 100 lines.
    await bed.orders.removeCartItem(context(), { owner: { cartToken: twoMore }, productId: products[100]! });
    expect((await bed.orders.mergeGuestCart(context(), { accountId: fuller, cartToken: twoMore })).lines).toHaveLength(
      100,
    );
  });

  it("race: 20 adds from the token while it merges: each unit lands once, in the account's cart or refused", async () => {
    const productId = await newProduct(100, 100);
    const accountId = await newAccount();
    await bed.orders.addCartItem(context(), { owner: accountId, productId, quantity: 1 });
    const token = await guestCart(productId, 1);
    const adds = Array.from({ length: 20 }, () =>
      bed.orders.addCartItem(context(), { owner: { cartToken: token }, productId, quantity: 1 }),
    );
    // The merge starts once one add is in, so the others race it.
    await adds[0];
    const merge = bed.orders.mergeGuestCart(context(), { accountId, cartToken: token });
    const results = await Promise.allSettled(adds);
    await merge;
    const landed = results.filter((result) => result.status === "fulfilled").length;
    expect(landed).toBeGreaterThanOrEqual(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject(notFound);
    }
    // The account's unit, the guest cart's first unit and every add that was answered with success: no more, no less.
    expect(quantities(await bed.orders.getCart(context(), accountId))).toEqual([[productId, 2 + landed]]);
    const left = await bed.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM cart_items WHERE cart_id <> $1 AND product_id = $2",
      [accountId, productId],
    );
    expect(left.rows[0]!.n).toBe(0);
  });

  it("race: one token merged by two logins at once goes to exactly one account, once", async () => {
    const productId = await newProduct(100, 100);
    const token = await guestCart(productId, 4);
    const accounts = [await newAccount(), await newAccount()];
    const results = await Promise.allSettled(
      accounts.map((accountId) => bed.orders.mergeGuestCart(context(), { accountId, cartToken: token })),
    );
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((result) => result.status === "rejected")).toMatchObject({ reason: notFound });
    const carts = await Promise.all(accounts.map((accountId) => bed.orders.getCart(context(), accountId)));
    expect(carts.flatMap((cart) => cart.lines).reduce((sum, line) => sum + line.quantity, 0)).toBe(4);
  });
});
