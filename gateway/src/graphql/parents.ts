import type { OrderLine } from "@polyscale/order";
import type { PriceBucketFacet, SearchProductsResponse } from "@polyscale/product";

/**
 * What resolvers hand to a schema type that is not a contract message as it is: the message plus the currency its
 * decimal amounts need (generate.mjs maps the schema types onto these).
 */

/** A search's answer with the currency of its price bounds and facets (ProductSearchResult, SearchFacets). */
export type SearchResult = SearchProductsResponse & { currency: string };

/** A price bucket with the currency the search was made in (PriceBucketFacet). */
export type PricedBucket = PriceBucketFacet & { currency: string };

/** An order line with its order's currency (OrderedProduct). */
export type PricedOrderLine = OrderLine & { currency: string };
