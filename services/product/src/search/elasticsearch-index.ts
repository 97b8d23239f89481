/**
 * The Elasticsearch product index: what a document holds and how it is built from a product, the mappings and analysis
 * settings it is made with, and making a physical index behind an alias (ElasticsearchEngine.ensureIndex, reindex.ts).
 */
import type { Client, estypes } from "@elastic/elasticsearch";
import type { IndexedProductRow } from "../repository.js";

/** What the index holds for one product: its searchable text and every field search filters, sorts or counts on. */
export interface ProductDocument {
  id: string;
  name: string;
  description: string;
  /** Null when the product has no category; such products are not counted in category facets. */
  categoryId: string | null;
  categoryName: string | null;
  priceCents: number;
  currency: string;
  stock: number;
  inStock: boolean;
  /** ISO 8601. */
  createdAt: string;
  /** The variants' option values as products.option_keys holds them ("colour=red", folded), for filters and facets. */
  optionKeys: string[];
}

/** The product fields a document is built from, and its row's option keys (folded by the database, sql/220). */
export type IndexedProduct = Omit<IndexedProductRow, "categoryName">;

export function toProductDocument(product: IndexedProduct, categoryName: string | null): ProductDocument {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    categoryId: product.categoryId,
    categoryName: product.categoryId === null ? null : categoryName,
    priceCents: product.priceCents,
    currency: product.currency,
    stock: product.stock,
    inStock: product.stock > 0,
    createdAt: product.createdAt.toISOString(),
    optionKeys: product.optionKeys,
  };
}

/**
 * Text analysed in English with accents and case folded (stems, no stop words, so a title like "We" is found, as on
 * PostgreSQL), plus a search-as-you-type subfield for prefix matching.
 */
const searchableText: estypes.MappingProperty = {
  type: "text",
  analyzer: "folded_english",
  fields: { prefix: { type: "search_as_you_type", analyzer: "folded" } },
};

export const PRODUCT_INDEX_MAPPINGS: estypes.MappingTypeMapping = {
  // A field we did not declare is a bug in the document builder, not something to guess a type for.
  dynamic: "strict",
  properties: {
    id: { type: "keyword" },
    // name.exact: the whole title, folded, for ranking an exact title match first.
    name: { ...searchableText, fields: { ...searchableText.fields, exact: { type: "keyword", normalizer: "folded" } } },
    description: searchableText,
    categoryId: { type: "keyword" },
    categoryName: searchableText,
    priceCents: { type: "long" },
    currency: { type: "keyword" },
    stock: { type: "long" },
    inStock: { type: "boolean" },
    createdAt: { type: "date" },
    // Already folded by the database, so a term matches them as they are.
    optionKeys: { type: "keyword" },
  },
};

// One shard: a catalogue fits easily, and terms aggregations and scores are then exact rather than per-shard estimates.
const PRODUCT_INDEX_SETTINGS: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  analysis: {
    filter: { english_stemmer: { type: "stemmer", language: "english" } },
    analyzer: {
      folded_english: {
        type: "custom",
        tokenizer: "standard",
        filter: ["lowercase", "asciifolding", "english_stemmer"],
      },
      folded: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding"] },
    },
    normalizer: { folded: { type: "custom", filter: ["lowercase", "asciifolding"] } },
  },
};

/** A new physical index name under an alias, unique per creation, e.g. products-20261121t055400123z. */
export function physicalIndexName(alias: string): string {
  return `${alias}-${new Date().toISOString().replace(/[-:.]/g, "").toLowerCase()}`;
}

export async function createProductIndex(
  client: Client,
  index: string,
  aliases: Record<string, estypes.IndicesAlias> = {},
): Promise<void> {
  await client.indices.create({ index, mappings: PRODUCT_INDEX_MAPPINGS, settings: PRODUCT_INDEX_SETTINGS, aliases });
}
