import { expect } from "vitest";
import { newId } from "@polyscale/platform";
import {
  graphqlAnswer,
  graphqlStorefront,
  restAnswer,
  restStorefront,
  type Answer,
  type OptionShape,
  type Storefront,
} from "./test-storefront-skins.js";
import { errorOf, type Flow, type Step } from "./test-storefront-parity.js";

/**
 * The storefront parity suite's flow (test-storefront-parity.ts) of an admin's product writes: a product made, changed
 * and restocked, and the same writes refused to a customer, to no one and for bad input.
 */

/** What an admin's product writes answer: the product's own fields, the price in minor units. */
interface ProductShape {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  attributes: OptionShape[];
}
interface ProductChanges {
  name?: string;
  description?: string;
  priceCents?: number;
  attributes?: OptionShape[];
}

/** An admin's catalogue writes, as one skin does it. */
interface ProductStorefront extends Storefront {
  /** An admin's catalogue writes, prices in minor units (GraphQL's decimal price converted for it). */
  createProduct(token: string, product: Omit<ProductShape, "id" | "attributes">): Promise<Answer<ProductShape>>;
  updateProduct(token: string, id: string, changes: ProductChanges): Promise<Answer<ProductShape>>;
  adjustStock(token: string, productId: string, delta: number): Promise<Answer<ProductShape>>;
  product(id: string): Promise<Answer<ProductShape>>;
}

const PRODUCT = `id name description priceCents currency stock attributes { name value }`;

const graphqlProducts: ProductStorefront = {
  ...graphqlStorefront,
  createProduct: (token, { priceCents, ...product }) =>
    graphqlAnswer(
      `mutation($p: ProductInput!) { createProduct(product: $p) { ${PRODUCT} } }`,
      { p: { ...product, price: priceCents / 100 } },
      token,
      "createProduct",
      (created: ProductShape) => created,
    ),
  updateProduct: (token, id, { priceCents, ...changes }) =>
    graphqlAnswer(
      `mutation($id: String!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { ${PRODUCT} } }`,
      // GraphQL's price is decimal: 13.5 USD for 1350 cents (the suite's products are in USD).
      { id, i: { ...changes, ...(priceCents === undefined ? {} : { price: priceCents / 100 }) } },
      token,
      "updateProduct",
      (updated: ProductShape) => updated,
    ),
  adjustStock: (token, productId, delta) =>
    graphqlAnswer(
      `mutation($p: String!, $d: SafeInt!) { adjustStock(productId: $p, delta: $d) { ${PRODUCT} } }`,
      { p: productId, d: delta },
      token,
      "adjustStock",
      (adjusted: ProductShape) => adjusted,
    ),
  product: (id) =>
    graphqlAnswer(
      `query($id: String!) { product(id: $id) { ${PRODUCT} } }`,
      { id },
      undefined,
      "product",
      (found: ProductShape) => found,
    ),
};

const productOfRest = (product: ProductShape): ProductShape => ({
  id: product.id,
  name: product.name,
  description: product.description,
  priceCents: product.priceCents,
  currency: product.currency,
  stock: product.stock,
  attributes: product.attributes.map(({ name, value }) => ({ name, value })),
});

const restProducts: ProductStorefront = {
  ...restStorefront,
  createProduct: (token, product) => restAnswer("POST", "/product", { token, body: product }, productOfRest),
  updateProduct: (token, id, changes) =>
    restAnswer("PATCH", `/product/${encodeURIComponent(id)}`, { token, body: changes }, productOfRest),
  adjustStock: (token, productId, delta) =>
    restAnswer("POST", `/product/${encodeURIComponent(productId)}/stock`, { token, body: { delta } }, productOfRest),
  product: (id) => restAnswer("GET", `/product/${encodeURIComponent(id)}`, {}, productOfRest),
};

const steps: Array<Step<ProductStorefront>> = [
  {
    name: "an admin makes a product, changes it and its stock; a customer may not; bad changes refused, writing nothing",
    run: async (storefront, customer, { adminToken: admin }) => {
      const made = await storefront.createProduct(admin, {
        name: "Parity mug",
        description: "Stoneware",
        priceCents: 1200,
        currency: "USD",
        stock: 5,
      });
      if ("data" in made) customer.productIds.push(made.data.id);
      const id = customer.productIds.at(-1)!;
      const material = [{ name: "Material", value: "Stoneware" }];
      return {
        made,
        updated: await storefront.updateProduct(admin, id, {
          name: "Parity mug, large",
          priceCents: 1350,
          attributes: material,
        }),
        stocked: await storefront.adjustStock(admin, id, 7),
        byCustomer: await storefront.updateProduct(customer.accessToken, id, { name: "Mine" }),
        anonymous: await storefront.updateProduct("", id, { name: "Mine" }),
        emptyName: await storefront.updateProduct(admin, id, { name: "" }),
        badAttribute: await storefront.updateProduct(admin, id, { attributes: [{ name: "a=b", value: "c" }] }),
        unknown: await storefront.updateProduct(admin, newId(), { name: "Nobody's" }),
        malformed: await storefront.updateProduct(admin, "not-a-product", { name: "Nobody's" }),
        belowZero: await storefront.adjustStock(admin, id, -100),
        customerStock: await storefront.adjustStock(customer.accessToken, id, 1),
        after: await storefront.product(id),
      };
    },
    check: (answer) => {
      const changed = {
        id: "<product 1>",
        name: "Parity mug, large",
        description: "Stoneware",
        priceCents: 1350,
        currency: "USD",
        stock: 5,
        attributes: [{ name: "Material", value: "Stoneware" }],
      };
      expect(answer).toEqual({
        made: { data: { ...changed, name: "Parity mug", priceCents: 1200, attributes: [] } },
        updated: { data: changed },
        stocked: { data: { ...changed, stock: 12 } },
        byCustomer: errorOf({ code: "FORBIDDEN", reason: "ADMIN_REQUIRED" }),
        anonymous: errorOf({ code: "UNAUTHENTICATED", reason: "LOGIN_REQUIRED" }),
        emptyName: errorOf({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "name" }),
        badAttribute: errorOf({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "attributes[0].name" }),
        unknown: errorOf({ code: "NOT_FOUND", reason: "PRODUCT_NOT_FOUND", field: "id" }),
        malformed: errorOf({ code: "BAD_USER_INPUT", reason: "INVALID_INPUT", field: "id" }),
        belowZero: errorOf({ code: "CONFLICT", reason: "INSUFFICIENT_STOCK", field: "delta" }),
        customerStock: errorOf({ code: "FORBIDDEN", reason: "ADMIN_REQUIRED" }),
        after: { data: { ...changed, stock: 12 } },
      });
    },
  },
];

export const productsFlow: Flow<ProductStorefront> = {
  storefronts: { graphql: graphqlProducts, rest: restProducts },
  steps,
  signedIn: true,
};
