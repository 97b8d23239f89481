import { invalidArgument, notFound, requireCurrency, requireId } from "@polyscale/platform";
import { SearchSort, type NewVariant, type VariantOption } from "@polyscale/product";
import * as domain from "../domain/index.js";
import {
  asObject,
  oneOf,
  optionalInteger,
  optionalString,
  queryBoolean,
  queryInteger,
  queryPage,
  requiredArray,
  requiredInteger,
  requiredString,
} from "./input.js";
import { anonymous, bearer, bodyOf, idParameter, pageParameters, queryParameter, ref, responses } from "./openapi.js";
import { int32Count, safeInteger, schemas } from "./openapi-schemas.js";
import { searchBody } from "./representations.js";
import { created, ok, type Route } from "./router.js";

const sorts = {
  relevance: SearchSort.SEARCH_SORT_RELEVANCE,
  price_asc: SearchSort.SEARCH_SORT_PRICE_ASC,
  price_desc: SearchSort.SEARCH_SORT_PRICE_DESC,
  newest: SearchSort.SEARCH_SORT_NEWEST,
} as const;

const searchParameters = {
  minPrice: queryParameter("minPrice", "Lowest price, in minor units of `currency`.", safeInteger),
  maxPrice: queryParameter("maxPrice", "Highest price, in minor units of `currency`.", safeInteger),
};
const stockTake = queryParameter(
  "take",
  "Without productIds: how many of the products holding the most units (0 or absent means 20, more than 100 is capped).",
  { ...int32Count, default: 20 },
);

const optionParameter = queryParameter(
  "option",
  "A variant option value as name=value (e.g. colour=red), repeated: a product matches when, for each option named, " +
    "one of its variants has one of the values given for it (values of one option OR'd, options AND'd; without case " +
    "or accents). At most 10 options of at most 50 values; a name is 1-50 characters, a value 1-100 (errors name " +
    "options[i].name or options[i].values[j], i counting options in order of first appearance).",
  { type: "string", pattern: "^[^=]+=.+$" },
);

/**
 * The option filters of `option` parameters (name=value, split at the first "=", which names cannot contain): one
 * filter per name as written, in order of first appearance, with its values in order.
 */
function optionFiltersOf(parameters: readonly string[]): Array<{ name: string; values: string[] }> {
  const filters = new Map<string, string[]>();
  for (const parameter of parameters) {
    const at = parameter.indexOf("=");
    if (at <= 0) throw invalidArgument("option", "must be name=value, e.g. colour=red");
    const name = parameter.slice(0, at);
    filters.set(name, [...(filters.get(name) ?? []), parameter.slice(at + 1)]);
  }
  return [...filters].map(([name, values]) => ({ name, values }));
}

/**
 * POST /product/{id}/archive or /restore, /variants/{id}/archive or /restore (operationId archiveProduct,
 * restoreProduct, archiveVariant, restoreVariant, as the GraphQL mutations); each answers the product.
 */
function archivingRoute(target: "product" | "variant", action: "archive" | "restore", summary: string): Route {
  const errors = target === "product" ? ([400, 401, 403, 404] as const) : ([400, 401, 403, 404, 409] as const);
  return {
    method: "POST",
    path: target === "product" ? `/product/{id}/${action}` : `/variants/{id}/${action}`,
    operation: {
      operationId: `${action}${target === "product" ? "Product" : "Variant"}`,
      tags: ["catalog"],
      summary: `${summary}; idempotent`,
      security: bearer,
      parameters: [idParameter("id", target === "product" ? "Product id" : "Variant id")],
      responses: responses({ status: 200, description: "The product", schema: ref("Product") }, [...errors]),
    },
    async handle(context, request) {
      const id = request.params.id!;
      const archived = action === "archive";
      return ok(
        target === "product"
          ? await domain.setProductArchived(context, id, archived)
          : (await domain.setVariantArchived(context, id, archived)).product,
      );
    },
  };
}

/** The name/value pairs of a body's `field` array (a variant's options, a product's attributes), each two strings. */
function optionsOf(body: Record<string, unknown>, field = "options"): VariantOption[] {
  return requiredArray(body, field).map((item, index) => {
    const option = asObject(item, `${field}[${index}]`);
    return { name: requiredString(option, "name"), value: requiredString(option, "value") };
  });
}

/** A NewVariant body as the product service takes it: absent fields are its defaults. */
function newVariantOf(body: Record<string, unknown>, defaultCurrency: string): NewVariant {
  return {
    sku: optionalString(body, "sku") ?? "",
    options: body.options === undefined || body.options === null ? [] : optionsOf(body),
    priceCents: requiredInteger(body, schemas.NewVariant, "priceCents"),
    currency: optionalString(body, "currency") ?? defaultCurrency,
    stock: optionalInteger(body, schemas.NewVariant, "stock") ?? 0,
  };
}

/** The REST face of the catalog: products, search and stock levels, in integer minor units. */
export function catalogRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/product",
      operation: {
        operationId: "createProduct",
        tags: ["catalog"],
        summary: "Create a product (admins only)",
        security: bearer,
        requestBody: bodyOf("NewProduct"),
        responses: responses(
          { status: 201, description: "The new product", schema: ref("Product") },
          [400, 401, 403, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.createProduct(context, {
          name: requiredString(body, "name"),
          description: requiredString(body, "description"),
          priceCents: requiredInteger(body, schemas.NewProduct, "priceCents"),
          currency: optionalString(body, "currency"),
          categoryId: optionalString(body, "categoryId"),
          stock: optionalInteger(body, schemas.NewProduct, "stock"),
          variants:
            body.variants === undefined || body.variants === null
              ? undefined
              : requiredArray(body, "variants").map((item, index) =>
                  // A variant without a currency is in the product's.
                  newVariantOf(
                    asObject(item, `variants[${index}]`),
                    optionalString(body, "currency") ?? context.defaultCurrency,
                  ),
                ),
          attributes:
            body.attributes === undefined || body.attributes === null ? undefined : optionsOf(body, "attributes"),
        });
        return created(product);
      },
    },
    {
      method: "POST",
      path: "/product/{id}/variants",
      operation: {
        operationId: "addVariant",
        tags: ["catalog"],
        summary: "Add a variant to a product (admins only); 409 SKU_TAKEN (field sku) when its SKU is taken",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("NewVariant"),
        responses: responses(
          { status: 201, description: "The product with its new variant", schema: ref("Product") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const added = await domain.addVariant(context, {
          productId: request.params.id!,
          variant: newVariantOf(body, context.defaultCurrency),
        });
        return created(added.product);
      },
    },
    {
      method: "PATCH",
      path: "/variants/{id}",
      operation: {
        operationId: "updateVariant",
        tags: ["catalog"],
        summary: "Change a variant's SKU, option values, price or currency (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Variant id")],
        requestBody: bodyOf("VariantChanges"),
        responses: responses(
          { status: 200, description: "The product with the changed variant", schema: ref("Product") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const updated = await domain.updateVariant(context, {
          id: request.params.id!,
          sku: optionalString(body, "sku"),
          options: body.options === undefined || body.options === null ? undefined : optionsOf(body),
          priceCents: optionalInteger(body, schemas.VariantChanges, "priceCents"),
          currency: optionalString(body, "currency"),
        });
        return ok(updated.product);
      },
    },
    {
      method: "PATCH",
      path: "/product/{id}",
      operation: {
        operationId: "updateProduct",
        tags: ["catalog"],
        summary: "Change a product's name, description, price, currency, category or attributes (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("ProductChanges"),
        responses: responses(
          { status: 200, description: "The changed product", schema: ref("Product") },
          [400, 401, 403, 404, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.updateProduct(context, {
          id: request.params.id!,
          name: optionalString(body, "name"),
          description: optionalString(body, "description"),
          priceCents: optionalInteger(body, schemas.ProductChanges, "priceCents"),
          currency: optionalString(body, "currency"),
          categoryId: optionalString(body, "categoryId"),
          attributes:
            body.attributes === undefined || body.attributes === null
              ? undefined
              : { attributes: optionsOf(body, "attributes") },
        });
        return ok(product);
      },
    },
    {
      method: "POST",
      path: "/product/{id}/stock",
      operation: {
        operationId: "adjustStock",
        tags: ["catalog"],
        summary: "Add units to (or, negative, take them from) a variant's stock on hand (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("StockAdjustment"),
        responses: responses(
          { status: 200, description: "The product with the new stock", schema: ref("Product") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.adjustStock(context, {
          productId: request.params.id!,
          delta: requiredInteger(body, schemas.StockAdjustment, "delta"),
          variantId: optionalString(body, "variantId"),
        });
        return ok(product);
      },
    },
    {
      method: "GET",
      path: "/product/{id}",
      operation: {
        operationId: "product",
        tags: ["catalog"],
        summary: "One product",
        security: anonymous,
        parameters: [idParameter("id", "Product id")],
        responses: responses({ status: 200, description: "The product", schema: ref("Product") }, [400, 404]),
      },
      async handle(context, request) {
        const id = request.params.id!;
        const product = await domain.getProduct(context, id);
        if (!product) throw notFound("PRODUCT_NOT_FOUND", `no product with id ${id}`, "id");
        return ok(await domain.shownProduct(context, product));
      },
    },
    {
      method: "POST",
      path: "/product/{id}/images",
      operation: {
        operationId: "setProductImages",
        tags: ["catalog"],
        summary: "Replace a product's images, in display order (admins only); reorder by sending them reordered",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("ProductImages"),
        responses: responses(
          { status: 200, description: "The product with its images", schema: ref("Product") },
          [400, 401, 403, 404, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const images = requiredArray(body, "images").map((value, index) => {
          const image = asObject(value, `images[${index}]`);
          return {
            url: requiredString(image, "url", `images[${index}].url`),
            alt: optionalString(image, "alt", `images[${index}].alt`),
            variantId: optionalString(image, "variantId", `images[${index}].variantId`),
          };
        });
        return ok(await domain.setProductImages(context, request.params.id!, images));
      },
    },
    archivingRoute(
      "product",
      "archive",
      "Take a product off sale (admins only): out of search and new carts, refused by checkout",
    ),
    archivingRoute("product", "restore", "Put an archived product on sale again (admins only)"),
    archivingRoute(
      "variant",
      "archive",
      "Take one variant off sale (admins only): out of search, option filters and facets and new carts, refused by " +
        "checkout; 409 LAST_VARIANT_ON_SALE for the product's last variant on sale (archive the product)",
    ),
    archivingRoute("variant", "restore", "Put an archived variant on sale again (admins only)"),
    {
      method: "GET",
      path: "/products",
      operation: {
        operationId: "searchProducts",
        tags: ["catalog"],
        summary: "Search the catalog, with facets",
        security: anonymous,
        parameters: [
          pageParameters.skip,
          pageParameters.take,
          queryParameter("q", "Free text; absent matches everything.", { type: "string" }),
          queryParameter("category", "Category ids, repeated or comma-separated.", { type: "string" }),
          searchParameters.minPrice,
          searchParameters.maxPrice,
          queryParameter(
            "currency",
            "ISO 4217 code of minPrice, maxPrice and the price facets (default DEFAULT_CURRENCY); price bounds " +
              "select only products priced in it.",
            { type: "string", pattern: "^[A-Z]{3}$" },
          ),
          queryParameter("inStock", "Only products in stock.", { type: "boolean" }),
          optionParameter,
          queryParameter("sort", "Relevance with q, newest first without.", {
            type: "string",
            enum: Object.keys(sorts),
          }),
        ],
        responses: responses({ status: 200, description: "Matching products", schema: ref("SearchResult") }, [400]),
      },
      async handle(context, request) {
        const query = request.query;
        const sort = query.get("sort");
        const result = await domain.searchProducts(context, {
          query: query.get("q") ?? "",
          // Shape only, under the parameter's own name (the product service names its field categoryIds).
          categoryIds: query
            .getAll("category")
            .flatMap((value) => value.split(","))
            .filter(Boolean)
            .map((id) => requireId("category", id)),
          currency: requireCurrency("currency", query.get("currency") ?? context.defaultCurrency),
          minPriceCents: queryInteger(query, searchParameters.minPrice),
          maxPriceCents: queryInteger(query, searchParameters.maxPrice),
          inStockOnly: queryBoolean(query, "inStock") ?? false,
          options: optionFiltersOf(query.getAll("option")),
          sort: sort
            ? sorts[oneOf(sort, "sort", Object.keys(sorts) as Array<keyof typeof sorts>)]
            : SearchSort.SEARCH_SORT_UNSPECIFIED,
          page: queryPage(query),
        });
        const products = await Promise.all(result.products.map((product) => domain.shownProduct(context, product)));
        return ok(searchBody({ ...result, products }));
      },
    },
    {
      method: "GET",
      path: "/categories",
      operation: {
        operationId: "categories",
        tags: ["catalog"],
        summary: "Every category",
        security: anonymous,
        responses: responses(
          { status: 200, description: "Categories", schema: { type: "array", items: ref("Category") } },
          [],
        ),
      },
      handle: async (context) => ok(await domain.listCategories(context)),
    },
    {
      method: "POST",
      path: "/categories",
      operation: {
        operationId: "createCategory",
        tags: ["catalog"],
        summary: "Create a category (admins only); 409 SLUG_TAKEN when another has its slug",
        security: bearer,
        requestBody: bodyOf("NewCategory"),
        responses: responses(
          { status: 201, description: "The new category", schema: ref("Category") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const category = await domain.createCategory(context, {
          name: requiredString(body, "name"),
          slug: optionalString(body, "slug"),
          parentId: optionalString(body, "parentId"),
        });
        return created(category);
      },
    },
    {
      method: "GET",
      path: "/admin/stock",
      operation: {
        operationId: "stockLevels",
        tags: ["catalog"],
        summary: "Stock on hand, available, held by unpaid orders and sold, per product (admins)",
        security: bearer,
        parameters: [
          queryParameter("productIds", "Comma-separated product ids (at most 1000); unknown ids are left out.", {
            type: "string",
          }),
          stockTake,
        ],
        responses: responses(
          { status: 200, description: "Stock levels", schema: { type: "array", items: ref("StockLevel") } },
          [400, 401, 403],
        ),
      },
      async handle(context, request) {
        const ids = request.query.get("productIds");
        const levels = await domain.listStockLevels(context, {
          productIds: ids ? ids.split(",") : [],
          take: queryInteger(request.query, stockTake) ?? 0,
        });
        return ok(levels);
      },
    },
  ];
}
