/**
 * The storefront parity suite (storefront-parity.e2e.test.ts): each storefront step runs once through GraphQL and once
 * through REST against one running system, and both must answer the same thing: the same products, categories, totals
 * in minor units, order lines and the same error (code, reason, field) for the same bad input. Each skin acts for its
 * own customer (registered through it), so the answers are compared with that customer's own identifiers (account id,
 * email, order ids) replaced by placeholders; a step that only reads is also run through the other skin for the same
 * customer, and must then give exactly the same answer, ids included.
 *
 * The steps are split by flow, one file each (test-storefront-accounts, -addresses, -catalogue, -products, -cart,
 * -guest-carts): a Flow is its storefront (its calls, over those of test-storefront-skins.ts, in both skins) and its
 * steps, run in order by describeParity against the one system (and catalog) of useParityShop. A feature adds its flow
 * by adding its calls to its flow's storefront and a step to its steps, or a flow of its own to the suite.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, ok, unique, useGatewayShop } from "./test-gateway-e2e.js";
import type { Answer, OptionShape, SessionShape, Storefront, Tokens } from "./test-storefront-skins.js";

/** A search as a storefront asks it: text, a category, a price ceiling in minor units, option values, cheapest first. */
export interface SearchRequest {
  query: string;
  categoryId?: string;
  maxPriceCents: number;
  currency: string;
  options?: Array<{ name: string; values: string[] }>;
}

/** What a customer holds while a flow runs through one skin. */
export interface Customer {
  name: string;
  email: string;
  id: string;
  accessToken: string;
  refreshToken: string;
  orderIds: string[];
  addressIds: string[];
  /** Made through this skin (createProduct), so each skin's answers name its own. */
  productIds: string[];
}

/** What the steps share: the catalog made for the suite, the search that finds part of it, and its admin. */
export interface Catalog {
  /** The session of the admin who made it, for the steps an admin takes. */
  adminToken: string;
  categoryId: string;
  /** In the category, cheapest first: socks (1250), scarf (2999) under the search's ceiling, boots (12999) above. */
  products: { socks: string; scarf: string; boots: string };
  search: SearchRequest;
  /** Outside the category and the search: a T-shirt (default variant USD 10.00) and two more variants of it. */
  tee: { productId: string; m: TeeVariant; l: TeeVariant };
}

export interface TeeVariant {
  id: string;
  sku: string;
  options: OptionShape[];
  priceCents: number;
}

/**
 * One step of a flow, through its storefront S. Outcome is what its run answers, as the step states it
 * (`satisfies Step<S, Answer<OrderShape>>`) when its check reads into it; its check gets that answer back (as JSON,
 * anonymised), so a flow's steps hold each step as a Step of unknown outcome.
 */
export interface Step<S extends Storefront, Outcome = unknown> {
  name: string;
  /** A read may also run for the other skin's customer and must then answer exactly the same, ids included. */
  read?: boolean;
  run(storefront: S, customer: Customer, catalog: Catalog): Promise<Outcome>;
  /**
   * What the step must answer (checked on the GraphQL answer, with the customer's identifiers as placeholders), so
   * the flow is checked too and not only the agreement: two skins failing alike would agree.
   */
  check(answer: Outcome, catalog: Catalog): void;
  /**
   * The field REST names where GraphQL names another: a query parameter (README, "REST": errors name what the client
   * sent, and GET /products takes `option=name=value` where GraphQL takes options[i].name).
   */
  restField?: string;
}

/** The data of an answer that must hold data; a refusal fails the step, showing its error. */
export function dataIn<T>(answer: Answer<T>): T {
  if ("error" in answer) throw new Error(`expected data, got the error ${JSON.stringify(answer.error)}`);
  return answer.data;
}

export const errorOf = (error: { code: string; reason?: string; field?: string }) => ({ error });

/** Keeps a session's tokens for the customer and answers without them (tokens differ on every call). */
export function keepSession(customer: Customer, answer: Answer<SessionShape & Tokens>): Answer<SessionShape> {
  if (!("data" in answer)) return answer;
  const { tokens, ...session } = answer.data;
  customer.id = session.account.id;
  customer.accessToken = tokens.accessToken;
  customer.refreshToken = tokens.refreshToken;
  return { data: session };
}

/** The answer with the customer's own identifiers as placeholders, so two customers' answers compare. */
function anonymised(answer: unknown, customer: Customer): unknown {
  const own = new Map<string, string>([
    [customer.id, "<account id>"],
    [customer.email, "<email>"],
    ...customer.orderIds.map((id, index): [string, string] => [id, `<order ${index + 1}>`]),
    ...customer.addressIds.map((id, index): [string, string] => [id, `<address ${index + 1}>`]),
    ...customer.productIds.map((id, index): [string, string] => [id, `<product ${index + 1}>`]),
  ]);
  return JSON.parse(JSON.stringify(answer), (_key, value: unknown) =>
    typeof value === "string" ? (own.get(value) ?? value) : value,
  );
}

function newCustomer(skin: string): Customer {
  return {
    name: "Parity Shopper",
    email: `parity-${skin.toLowerCase()}-${unique()}@e2e.test`,
    id: "",
    accessToken: "",
    refreshToken: "",
    orderIds: [],
    addressIds: [],
    productIds: [],
  };
}

/** The T-shirt of the variant flow: created the old way (its default variant), then sizes M and L added. */
async function createTee(adminToken: string): Promise<Catalog["tee"]> {
  const { createProduct } = await ok<{ createProduct: { id: string } }>(
    `mutation($p: ProductInput!) { createProduct(product: $p) { id } }`,
    { p: { name: "Parity tee", description: "in sizes", price: 10, currency: "USD", stock: 20 } },
    adminToken,
  );
  const tag = unique().toUpperCase();
  const variant = async (size: string, priceCents: number): Promise<TeeVariant> => {
    const options = [
      { name: "Size", value: size },
      { name: "Colour", value: "green" },
    ];
    const { addVariant } = await ok<{ addVariant: TeeVariant }>(
      `mutation($p: String!, $v: VariantInput!) { addVariant(productId: $p, variant: $v) { id sku options { name value } priceCents } }`,
      { p: createProduct.id, v: { sku: `PARITY-TEE-${size}-${tag}`, options, priceCents, currency: "USD", stock: 20 } },
      adminToken,
    );
    return addVariant;
  };
  return { productId: createProduct.id, m: await variant("M", 1500), l: await variant("L", 1600) };
}

/** Makes the catalog of the flows through an admin's session. */
async function createCatalog(adminToken: string): Promise<Catalog> {
  const category = await ok<{ createCategory: { id: string } }>(
    `mutation($name: String!) { createCategory(input: { name: $name }) { id } }`,
    { name: `Parity ${unique()}` },
    adminToken,
  );
  const word = `paritywool${unique()}`;
  const create = async (name: string, price: number) =>
    (
      await ok<{ createProduct: { id: string } }>(
        `mutation($p: ProductInput!) { createProduct(product: $p) { id } }`,
        {
          p: {
            name: `${name} ${word}`,
            description: `${name} for the parity suite`,
            price,
            currency: "USD",
            stock: 20,
            categoryId: category.createCategory.id,
          },
        },
        adminToken,
      )
    ).createProduct.id;
  return {
    adminToken,
    categoryId: category.createCategory.id,
    products: {
      socks: await create("Socks", 12.5),
      scarf: await create("Scarf", 29.99),
      boots: await create("Boots", 129.99),
    },
    search: { query: word, categoryId: category.createCategory.id, maxPriceCents: 5000, currency: "USD" },
    tee: await createTee(adminToken),
  };
}

/**
 * Starts the system for the suite (useGatewayShop: one system for every flow) and, before its tests, makes the catalog
 * through its admin. The returned catalog is filled in by then.
 */
export function useParityShop(): Catalog {
  const shop = useGatewayShop();
  const catalog = {} as Catalog;
  beforeAll(async () => {
    Object.assign(catalog, await createCatalog(shop.adminToken));
  });
  return catalog;
}

/** A flow of the suite: its storefront in both skins and its steps, in order. */
export interface Flow<S extends Storefront> {
  storefronts: { graphql: S; rest: S };
  steps: Array<Step<S>>;
  /** Both customers registered before the first step, each through its own skin (for a flow that does not register). */
  signedIn?: boolean;
  /** What must hold before the first step (e.g. the search showing the catalog). */
  prepare?: (catalog: Catalog) => Promise<void>;
}

/**
 * Runs a flow's steps in order, each as one test, through both skins (each for its own customer, new for the flow),
 * and compares their answers.
 */
export function describeParity<S extends Storefront>(flow: Flow<S>, catalog: Catalog): void {
  const { storefronts, steps, signedIn = false, prepare } = flow;
  describe("storefront parity: GraphQL and REST answer the same", () => {
    const customers = { graphql: newCustomer("GraphQL"), rest: newCustomer("REST") };

    beforeAll(async () => {
      if (signedIn)
        for (const [storefront, customer] of [
          [storefronts.graphql, customers.graphql],
          [storefronts.rest, customers.rest],
        ] as const)
          dataIn(keepSession(customer, await storefront.register(customer.name, customer.email, PASSWORD)));
      await prepare?.(catalog);
    });

    it.each(steps.map((step) => [step.name, step] as const))("%s", async (_name, step) => {
      const throughGraphQL = await step.run(storefronts.graphql, customers.graphql, catalog);
      const throughRest = await step.run(storefronts.rest, customers.rest, catalog);
      const expected = anonymised(throughGraphQL, customers.graphql);
      step.check(expected, catalog);
      const ofRest = (answer: unknown) =>
        step.restField === undefined
          ? answer
          : { error: { ...(answer as { error: object }).error, field: step.restField } };
      expect(anonymised(throughRest, customers.rest)).toEqual(ofRest(expected));
      if (step.read)
        expect(await step.run(storefronts.rest, customers.graphql, catalog)).toEqual(ofRest(throughGraphQL));
    });
  });
}
