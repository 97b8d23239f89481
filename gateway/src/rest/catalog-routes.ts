import { notFound, requireCurrency, requireId } from "@polyscale/platform";
import { SearchSort } from "@polyscale/product";
import * as domain from "../domain/index.js";
import {
  oneOf,
  optionalInteger,
  optionalString,
  queryBoolean,
  queryInteger,
  queryPage,
  requiredInteger,
  requiredString,
} from "./input.js";
import { searchBody } from "./representations.js";
import { created, ok, type Route } from "./router.js";

const sorts = {
  relevance: SearchSort.SEARCH_SORT_RELEVANCE,
  price_asc: SearchSort.SEARCH_SORT_PRICE_ASC,
  price_desc: SearchSort.SEARCH_SORT_PRICE_DESC,
  newest: SearchSort.SEARCH_SORT_NEWEST,
} as const;

/** The REST face of the catalog: products, search and stock levels, in integer minor units. */
export function catalogRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/product",
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.createProduct(context, {
          name: requiredString(body, "name"),
          description: requiredString(body, "description"),
          priceCents: requiredInteger(body, "priceCents", "int64", 0),
          currency: optionalString(body, "currency"),
          categoryId: optionalString(body, "categoryId"),
          stock: optionalInteger(body, "stock", "int64", 0),
        });
        return created(product);
      },
    },
    {
      method: "GET",
      path: "/product/{id}",
      async handle(context, request) {
        const id = request.params.id!;
        const product = await domain.getProduct(context, id);
        if (!product) throw notFound("PRODUCT_NOT_FOUND", `no product with id ${id}`, "id");
        return ok(product);
      },
    },
    {
      method: "GET",
      path: "/products",
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
          minPriceCents: queryInteger(query, "minPrice", "int64", 0),
          maxPriceCents: queryInteger(query, "maxPrice", "int64", 0),
          inStockOnly: queryBoolean(query, "inStock") ?? false,
          sort: sort
            ? sorts[oneOf(sort, "sort", Object.keys(sorts) as Array<keyof typeof sorts>)]
            : SearchSort.SEARCH_SORT_UNSPECIFIED,
          page: queryPage(query),
        });
        return ok(searchBody(result));
      },
    },
    {
      method: "GET",
      path: "/admin/stock",
      async handle(context, request) {
        const ids = request.query.get("productIds");
        const levels = await domain.listStockLevels(context, {
          productIds: ids ? ids.split(",") : [],
          take: queryInteger(request.query, "take", "int32", 0) ?? 0,
        });
        return ok(levels);
      },
    },
  ];
}
