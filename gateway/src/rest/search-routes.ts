import { invalidArgument, requireOneOf } from "@polyscale/platform";
import { SearchSort } from "@polyscale/product";
import * as domain from "../domain/index.js";
import { queryBoolean, queryInteger, queryPage, underRestNames } from "./input.js";
import { anonymous, pageParameters, queryParameter, ref, responses } from "./openapi.js";
import { safeInteger } from "./schemas/index.js";
import { searchBody } from "./representations.js";
import { ok, type Route } from "./router.js";

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

const optionParameter = queryParameter(
  "option",
  "A variant option value as name=value (e.g. colour=red), repeated: a product matches when, for each option named, " +
    "one of its variants has one of the values given for it (values of one option OR'd, options AND'd; without case " +
    "or accents). At most 10 options of at most 50 values; a name is 1-50 characters, a value 1-100 (errors name " +
    "the parameter, option).",
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

/** The query parameter of each field of the search the product service names (its contract's and GraphQL's). */
const parameterOfField: Record<string, string> = {
  query: "q",
  categoryIds: "category",
  minPriceCents: "minPrice",
  maxPriceCents: "maxPrice",
  options: "option",
};

/** A search refusal's field as the parameter the client sent (`options[0].values[1]` is `option`, repeated). */
const restParameterOf = (field: string) => parameterOfField[field.split(/[.[]/)[0]!];

/** Catalog search with facets (tag catalog; anyone), prices in integer minor units. */
export function searchRoutes(): Route[] {
  return [
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
        const result = await underRestNames(
          domain.searchProducts(context, {
            query: query.get("q") ?? "",
            // The product service checks these (ids, currency), its refusals renamed to the parameters by restParameterOf.
            categoryIds: query
              .getAll("category")
              .flatMap((value) => value.split(","))
              .filter(Boolean),
            currency: query.get("currency") || context.defaultCurrency,
            minPriceCents: queryInteger(query, searchParameters.minPrice),
            maxPriceCents: queryInteger(query, searchParameters.maxPrice),
            inStockOnly: queryBoolean(query, "inStock") ?? false,
            options: optionFiltersOf(query.getAll("option")),
            sort: sort
              ? sorts[requireOneOf("sort", sort, Object.keys(sorts) as Array<keyof typeof sorts>)]
              : SearchSort.SEARCH_SORT_UNSPECIFIED,
            page: queryPage(query),
          }),
          restParameterOf,
        );
        const products = await Promise.all(result.products.map((product) => domain.shownProduct(context, product)));
        return ok(searchBody({ ...result, products }));
      },
    },
  ];
}
