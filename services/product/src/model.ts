/** The product service's own types; server.ts converts them to and from the generated proto messages. */

/** One option value of a variant, e.g. { name: "Size", value: "M" }. */
export interface VariantOption {
  name: string;
  value: string;
}

/**
 * One stock-keeping unit of a product: what is priced, counted, reserved and sold. The default variant (position 0)
 * has the product's own id; a line or call naming only a product means it.
 */
export interface Variant {
  id: string;
  productId: string;
  /** Unique over the catalogue, upper-case. */
  sku: string;
  /** In the product's option order; no two variants of a product have the same values. */
  options: VariantOption[];
  priceCents: number;
  currency: string;
  /** Units available to sell. Never negative. */
  stock: number;
  /** 0 for the default variant, then in the order they were added. */
  position: number;
  createdAt: Date;
  updatedAt: Date;
  /**
   * When an admin took this variant off sale (out of search, its option values out of filters and facets, refused by
   * new reservations); null while on sale. The product's other variants stay on sale.
   */
  archivedAt: Date | null;
  /** The product's images that name this variant, in the product's order (positions are the product's). */
  images: ProductImage[];
}

export interface Product {
  id: string;
  name: string;
  description: string;
  /** The price and currency of its first variant on sale: the default variant's unless that one is archived. */
  priceCents: number;
  currency: string;
  categoryId: string | null;
  /** Units available to sell over its variants on sale (a one-variant product: its variant's). Never negative. */
  stock: number;
  /** At least one, by position (the default first). */
  variants: Variant[];
  createdAt: Date;
  updatedAt: Date;
  /** When an admin took the product off sale (out of listings, search and new reservations); null while on sale. */
  archivedAt: Date | null;
  /** In display order, the main image first. */
  images: ProductImage[];
  /** Free attributes (brand, material), by name; searched and faceted as the variants' option values are. */
  attributes: ProductAttribute[];
}

/** A variant with the product it belongs to, as the variant calls answer (the product as it is after the call). */
export interface ProductVariant {
  product: Product;
  variant: Variant;
}

/** One attribute of a product, e.g. { name: "Brand", value: "Acme" }; names are distinct without case. */
export interface ProductAttribute {
  name: string;
  value: string;
}

/**
 * An image of a product: an absolute https URL and its alt text ("" for a decorative image); position from 0 in the
 * product's list. variantId names the variant it shows (e.g. the red one); null for the product as a whole.
 */
export interface ProductImage {
  url: string;
  alt: string;
  position: number;
  variantId: string | null;
}

/** What archiving or restoring a product came to (repository.setArchived): changed is false when it already was. */
export interface ArchiveChange {
  product: Product;
  changed: boolean;
}

/**
 * What archiving or restoring a variant came to (repository.setVariantArchived): changed is false when it already
 * was; `lastOnSale` refused archiving the product's only variant on sale, and wrote nothing.
 */
export type VariantArchiveChange =
  | { kind: "done"; product: Product; variant: Variant; changed: boolean }
  | { kind: "notFound" }
  | { kind: "lastOnSale"; product: Product };

export type NewVariant = Pick<Variant, "sku" | "options" | "priceCents" | "currency" | "stock">;

export type NewProduct = Pick<Product, "id" | "name" | "description" | "categoryId" | "attributes"> & {
  /** The default variant first: its id is the product's. */
  variants: Array<NewVariant & { id: string }>;
};

/** The fields UpdateVariant may change; undefined leaves a field as it is. */
export type VariantChanges = Partial<Pick<Variant, "sku" | "options" | "priceCents" | "currency">>;

/**
 * The fields UpdateProduct may change; undefined leaves a field as it is, a null categoryId removes the category,
 * attributes replace all of the product's.
 * priceCents and currency are the default variant's.
 */
export type ProductChanges = Partial<
  Pick<Product, "name" | "description" | "priceCents" | "currency" | "categoryId" | "attributes">
>;

export interface Category {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
}

export const RESERVATION_STATUSES = ["held", "committed", "released"] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** The orders a search can list its page in (SearchProducts' sort). */
export const SEARCH_SORT_ORDERS = ["relevance", "price_asc", "price_desc", "newest"] as const;
export type SearchSortOrder = (typeof SEARCH_SORT_ORDERS)[number];

/** One option to filter on, e.g. { name: "colour", values: ["red", "blue"] } (folded). */
export interface OptionFilter {
  name: string;
  values: string[];
}

/** A search as the search service checked and folded it, what both engines answer (search/search-engine.ts). */
export interface SearchQuery {
  /** Free text as typed; empty matches every product. */
  text: string;
  /** Products in any of these categories; empty means all. */
  categoryIds: string[];
  /**
   * ISO 4217 code of the price bounds and price facets. Bounds select only products priced in it (minor units of
   * different currencies are not comparable); price facets count only those; price sorts group by currency code.
   */
  currency: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
  /**
   * Variant option filters, folded as products.option_keys holds them (search_normalize: lower case, no accents; the
   * catalog folds what the shopper typed): a product matches when, for every filter, one of its variants has one of
   * the filter's values. Values of one filter are OR'd, filters AND'd; names are distinct and contain no "=".
   */
  options: OptionFilter[];
  sort: SearchSortOrder;
  skip: number;
  take: number;
}

/**
 * What a search answers, from either engine. The limits it names (EXACT_COUNT_LIMIT, OPTION_FACET_LIMIT,
 * PRICE_BUCKET_BOUNDS) are the engines' own, in search/search-engine.ts.
 */
export interface SearchResult {
  /** The page, in result order. */
  products: Product[];
  /**
   * Matches over all pages: exact up to EXACT_COUNT_LIMIT, an estimate beyond (never below the matches seen). The
   * PostgreSQL engine also estimates a filtered count when the words alone match more than EXACT_COUNT_LIMIT.
   */
  totalCount: number;
  /** False when totalCount and the facet counts are estimates. */
  totalCountIsExact: boolean;
  /** Matching products per category (products without a category are not counted), largest first. */
  categoryFacets: Array<{ categoryId: string; count: number }>;
  /** Matching products priced in the query's currency per price bucket, in PRICE_BUCKET_BOUNDS order, including empty buckets. */
  priceFacets: Array<{ minCents: number; maxCents?: number; count: number }>;
  /**
   * Matching products per option value of their variants, folded (search_normalize), sorted by name, then count
   * descending, then value: the OPTION_FACET_LIMIT largest. Each option's counts ignore that option's own filter
   * (so every colour stays offered after picking red) and apply every other filter.
   */
  optionFacets: Array<{ name: string; value: string; count: number }>;
  /**
   * False when the option facet counts are estimates: over more than EXACT_COUNT_LIMIT products to count from (a
   * browse of a large catalogue, which has no counter table for options), or of text matches beyond the limit.
   */
  optionFacetsAreExact: boolean;
}

export interface ReservationLine {
  productId: string;
  /** The product's default variant (its own id) when the caller named only the product. */
  variantId: string;
  quantity: number;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  /** Ordered by variant id. */
  lines: ReservationLine[];
  createdAt: Date;
  updatedAt: Date;
}

/** Units of one product by what they are doing: available + held = on hand; sold are gone. */
export interface StockLevel {
  productId: string;
  onHand: number;
  available: number;
  held: number;
  sold: number;
}

/** What adding a delta to a product's stock came to (repository.adjustStock, which wrote its event). */
export type StockAdjustment =
  | { kind: "adjusted" }
  | { kind: "variantNotFound" }
  /** The sum would leave 0..LIMITS.stock; nothing changed. sku is the variant's. */
  | { kind: "outOfRange"; sku: string };

/**
 * What an attempt to reserve stock for an order came to (repository.reserveStock). `insufficient`, `archived`,
 * `variantArchived` and `variantNotFound` wrote nothing; `reserved` wrote the reservation, its lines, the stock and the stock_changed events.
 */
export type StockReservation =
  | { kind: "reserved"; reservation: Reservation }
  /** The order already had a reservation, returned unchanged (its lines may differ from the ones asked for). */
  | { kind: "existing"; reservation: Reservation }
  /** No such variant of the line's product. */
  | { kind: "variantNotFound"; line: ReservationLine }
  /** The line's product is archived (off sale): checked by the statement that takes the stock, under its row lock. */
  | { kind: "archived"; line: ReservationLine }
  /** The line's variant (whose SKU is sku) is archived, checked there too (archiving a variant locks its product's row first). */
  | { kind: "variantArchived"; line: ReservationLine; sku: string }
  /** The variant (whose SKU is sku) has fewer units available than the line asks for. */
  | { kind: "insufficient"; line: ReservationLine; sku: string };

/** What adding or changing a variant came to (repository.insertVariant, updateVariant). */
export type VariantWrite =
  | { kind: "written"; variant: Variant }
  | { kind: "notFound" }
  /** Another variant has the SKU of the `index`th variant written (0 for a single one); nothing was written. */
  | { kind: "skuTaken"; sku: string; index: number }
  /** Another variant of the product has the same option values; nothing was written. */
  | { kind: "optionsTaken" };
