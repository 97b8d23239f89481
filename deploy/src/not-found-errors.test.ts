/**
 * Each entity's not-found error is built by one function of the service that owns its rows, exported from that
 * service's client (CONTRIBUTING.md, Conventions), and every caller uses it: the owner, the other services and the
 * gateway. Seen (issue 16 review): a missing product was "product X not found" from the product service, "product X
 * does not exist" from the order service and "no product with id X" from the gateway; an account, an address and an
 * order were each refused in two or three wordings. This reads the production sources of the services and the gateway
 * and names every not-found error built anywhere else, then checks the wording of each owner's functions.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { accountNotFound, addressNotFound } from "@polyscale/account";
import { cartNotFound, orderNotFound } from "@polyscale/order";
import { ERROR_REASONS, newId, type AppError, type ErrorReason } from "@polyscale/platform";
import { categoryNotFound, productNotFound, reservationNotFound, variantNotFound } from "@polyscale/product";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repositoryRoot, serviceNames, type ServiceName } from "./test-repository-files.js";
import { filesBelow } from "./test-workspaces.js";

/** The service that owns each entity's rows, and so builds its not-found error in its client. */
const OWNERS: Record<string, ServiceName> = {
  ACCOUNT_NOT_FOUND: "account",
  ADDRESS_NOT_FOUND: "account",
  PRODUCT_NOT_FOUND: "product",
  VARIANT_NOT_FOUND: "product",
  CATEGORY_NOT_FOUND: "product",
  RESERVATION_NOT_FOUND: "product",
  ORDER_NOT_FOUND: "order",
  CART_NOT_FOUND: "order",
};

/** The platform's reasons of a missing entity (NOT_FOUND itself is the gateway's unknown route). */
const entityReasons = Object.keys(ERROR_REASONS).filter((reason) => /^[A-Z_]+_NOT_FOUND$/.test(reason));

const clientOf = (service: ServiceName) => `services/${service}/src/client.ts`;

/** The production sources of the services and the gateway, relative to the repository root. */
function productionSources(): string[] {
  return [...serviceNames.map((service) => `services/${service}/src`), "gateway/src"]
    .flatMap(filesBelow)
    .filter(
      (file) =>
        file.endsWith(".ts") &&
        !file.endsWith(".d.ts") &&
        !/\.test\.ts$|(^|\/)test-[^/]*\.ts$|\/testing\/|\/gen\//.test(file),
    );
}

/**
 * Each not-found error built outside its owner's client, as "file:line what": a call of the platform's `notFound`
 * anywhere but a service's client, and an entity's reason written anywhere but its owner's client (so neither a
 * hand-made `new AppError("NOT_FOUND", …, "PRODUCT_NOT_FOUND")` nor another service's client escapes).
 */
function strayNotFounds(file: string, source: string): string[] {
  // Only a file that calls notFound or quotes a reason can build one: the rest (most, and those that only mention a
  // reason in a comment) need no parse, which keeps the check in the unit tier's seconds.
  if (!/\bnotFound\s*\(|["'`][A-Z_]+_NOT_FOUND["'`]/.test(source)) return [];
  const text = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) =>
    found.push(`${file}:${text.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`);
  const isClient = serviceNames.some((service) => file === clientOf(service));
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && !isClient) {
      const callee = ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression;
      if (ts.isIdentifier(callee) && callee.text === "notFound") report(node, `calls notFound`);
    }
    if (ts.isStringLiteralLike(node) && node.text in OWNERS && file !== clientOf(OWNERS[node.text]!))
      report(node, `writes ${node.text} (${OWNERS[node.text]}'s)`);
    ts.forEachChild(node, visit);
  };
  visit(text);
  return found;
}

describe("each entity's not-found error is built once, by the service that owns it", () => {
  it("knows the owner of every entity's reason", () => {
    expect(Object.keys(OWNERS).sort()).toEqual([...entityReasons].sort());
  });

  it("finds the files it checks", () => {
    expect(productionSources()).toEqual(
      expect.arrayContaining([
        "services/order/src/lookups.ts",
        "gateway/src/rest/product-routes.ts",
        clientOf("account"),
      ]),
    );
  });

  it("no service or gateway source builds a not-found error outside its owner's client", () => {
    const found = productionSources().flatMap((file) =>
      strayNotFounds(file, readFileSync(path.join(repositoryRoot, file), "utf8")),
    );
    expect(found).toEqual([]);
  });

  it("each owner's client writes each of its reasons once, in the function that builds the error", () => {
    for (const service of serviceNames) {
      const source = readFileSync(path.join(repositoryRoot, clientOf(service)), "utf8");
      for (const [reason, owner] of Object.entries(OWNERS)) {
        if (owner === service) expect(source.split(`"${reason}"`).length - 1, reason).toBe(1);
      }
    }
  });

  // The sites the issue 16 review found, as they were written: each is named.
  it("regression: names another service's not-found built in its own words, and the gateway's", () => {
    const order = `throw notFound("PRODUCT_NOT_FOUND", \`product \${productId} does not exist\`, "productId");`;
    const gateway = `throw new AppError("NOT_FOUND", \`no account with id \${id}\`, "id", "ACCOUNT_NOT_FOUND");`;
    const productClient = `export const f = () => notFound("ORDER_NOT_FOUND", "order", "id");`;
    expect(strayNotFounds("services/order/src/lookups.ts", order)).toEqual([
      "services/order/src/lookups.ts:1 calls notFound",
      "services/order/src/lookups.ts:1 writes PRODUCT_NOT_FOUND (product's)",
    ]);
    expect(strayNotFounds("gateway/src/domain/accounts.ts", gateway)).toEqual([
      "gateway/src/domain/accounts.ts:1 writes ACCOUNT_NOT_FOUND (account's)",
    ]);
    expect(strayNotFounds(clientOf("product"), productClient)).toEqual([
      "services/product/src/client.ts:1 writes ORDER_NOT_FOUND (order's)",
    ]);
    // A mention in a comment or a doc is not a refusal.
    const comment = `/** Refused as product's notFound("PRODUCT_NOT_FOUND", …) refuses it. */`;
    expect(strayNotFounds("services/order/src/cart.ts", comment)).toEqual([]);
  });

  it("words every entity's refusal alike, '<entity> <id> does not exist', naming the caller's field", () => {
    const [id, productId, orderId] = [newId(), newId(), newId()];
    const seen = (error: AppError) => ({
      code: error.code,
      reason: error.reason,
      field: error.field,
      message: error.message,
    });
    const refusal = (reason: ErrorReason, message: string, field: string) => ({
      code: "NOT_FOUND",
      reason,
      field,
      message,
    });
    expect(seen(productNotFound(id, "productId"))).toEqual(
      refusal("PRODUCT_NOT_FOUND", `product ${id} does not exist`, "productId"),
    );
    expect(seen(variantNotFound(id, "id"))).toEqual(refusal("VARIANT_NOT_FOUND", `variant ${id} does not exist`, "id"));
    expect(seen(variantNotFound(id, "variantId", productId))).toEqual(
      refusal("VARIANT_NOT_FOUND", `variant ${id} of product ${productId} does not exist`, "variantId"),
    );
    expect(seen(categoryNotFound(id, "parentId"))).toEqual(
      refusal("CATEGORY_NOT_FOUND", `category ${id} does not exist`, "parentId"),
    );
    expect(seen(reservationNotFound(orderId, "orderId"))).toEqual(
      refusal("RESERVATION_NOT_FOUND", `reservation of order ${orderId} does not exist`, "orderId"),
    );
    expect(seen(accountNotFound(id, "accountId"))).toEqual(
      refusal("ACCOUNT_NOT_FOUND", `account ${id} does not exist`, "accountId"),
    );
    expect(seen(addressNotFound(id, "shippingAddressId"))).toEqual(
      refusal("ADDRESS_NOT_FOUND", `address ${id} does not exist`, "shippingAddressId"),
    );
    expect(seen(orderNotFound(orderId, "orderId"))).toEqual(
      refusal("ORDER_NOT_FOUND", `order ${orderId} does not exist`, "orderId"),
    );
    // A guest cart's token is its holder's credential: the message never repeats it.
    expect(seen(cartNotFound("cartToken"))).toEqual(
      refusal(
        "CART_NOT_FOUND",
        "the cart of this token does not exist (unknown, expired, or merged at login)",
        "cartToken",
      ),
    );
  });
});
