import { money, safeInteger, schemaRef, units } from "./fields.js";

const count = units("How many.");

/** A catalog search's answer: a page of products with the facets of every match. */
export const searchSchemas = {
  SearchResult: {
    type: "object",
    properties: {
      items: { type: "array", items: schemaRef("Product") },
      totalCount: {
        ...safeInteger,
        description: "Matches over all pages: exact up to 1,000, beyond that an estimate of at least 1,000.",
      },
      totalCountIsExact: {
        type: "boolean",
        description: "False when totalCount and the facet counts are estimates.",
      },
      facets: {
        type: "object",
        properties: {
          categories: {
            type: "array",
            items: { type: "object", properties: { categoryId: { type: "string" }, count } },
          },
          priceBuckets: {
            type: "array",
            items: {
              type: "object",
              properties: { minCents: money, maxCents: money, count },
            },
          },
          options: {
            type: "array",
            description:
              "The variants' option values by name, folded (lower case, no accents) as filters match them; each " +
              "option counted without its own filter, values most counted first (the 200 most counted).",
            items: {
              type: "object",
              properties: {
                name: { type: "string" },
                values: {
                  type: "array",
                  items: { type: "object", properties: { value: { type: "string" }, count } },
                },
              },
            },
          },
          optionsAreExact: {
            type: "boolean",
            description: "False when the option counts are estimates (more than 1,000 products to count from).",
          },
        },
      },
    },
  },
} as const;
