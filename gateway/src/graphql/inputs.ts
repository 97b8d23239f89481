import { requireCurrency } from "@polyscale/platform";
import { SearchSort } from "@polyscale/product";
import * as domain from "../domain/index.js";
import type { PostalAddress } from "@polyscale/platform";
import type {
  AddressInput,
  InputMaybe,
  OrderFilter,
  ProductInput,
  QuerySearchProductsArgs,
  VariantInput,
  UpdateAddressInput,
} from "./gen/resolvers-types.js";
import { centsOf, priceCentsOf } from "./money.js";

/** GraphQL arguments as the domain layer takes them. */

/** GraphQL sends null for an explicit null; the services' optional fields want undefined. */
export function defined<T>(value: InputMaybe<T>): T | undefined {
  return value ?? undefined;
}

/** The cart fields' arguments: the product, its variant when named (null or left out: the default), the units. */
export function cartLineOf<Args extends { productId: string; variantId?: InputMaybe<string> }>(
  args: Args,
): Omit<Args, "variantId"> & domain.CartLineRef {
  return { ...args, variantId: defined(args.variantId) };
}

/**
 * createProduct's input as the product service takes it: the decimal price becomes minor units of its currency, which
 * is `defaultCurrency` (DEFAULT_CURRENCY) when the client names none; it is then sent explicitly, so the exponent used
 * here and the currency stored always agree.
 */
export function productCreationOf(input: ProductInput, defaultCurrency: string) {
  const currency = requireCurrency("currency", input.currency ?? defaultCurrency);
  return {
    name: input.name,
    description: input.description,
    priceCents: priceCentsOf("price", input.price, currency)!,
    currency,
    categoryId: defined(input.categoryId),
    stock: defined(input.stock),
    // A variant without a currency is in the product's.
    variants: input.variants?.map((variant) => variantOf(variant, currency)),
    attributes: defined(input.attributes),
  };
}

/** A VariantInput as the product service takes it: absent fields are its defaults (a SKU from the id, no stock). */
export function variantOf(input: VariantInput, defaultCurrency: string) {
  return {
    sku: input.sku ?? "",
    options: input.options ?? [],
    priceCents: input.priceCents,
    currency: input.currency ?? defaultCurrency,
    stock: input.stock ?? 0,
  };
}

/** The currency of search price bounds and price facets: the filter's, else `defaultCurrency`. */
export function searchCurrencyOf(args: QuerySearchProductsArgs, defaultCurrency: string): string {
  return requireCurrency("currency", args.filter?.currency ?? defaultCurrency);
}

/** searchProducts' arguments as the product service takes them: decimal price bounds become minor units. */
export function productSearchOf(args: QuerySearchProductsArgs, currency: string): domain.ProductSearch {
  return {
    query: args.query ?? "",
    categoryIds: args.filter?.categoryIds ?? [],
    currency,
    minPriceCents: centsOf("minPrice", args.filter?.minPrice, currency),
    maxPriceCents: centsOf("maxPrice", args.filter?.maxPrice, currency),
    inStockOnly: args.filter?.inStockOnly ?? false,
    options: args.filter?.options ?? [],
    sort: args.sort ?? SearchSort.SEARCH_SORT_UNSPECIFIED,
    page: domain.pageOf(args.pagination),
  };
}

/** An AddressInput as the services take it: optional fields left out are "" (absent). */
export function postalAddressOfInput(input: AddressInput): PostalAddress {
  return {
    name: input.name,
    company: input.company ?? "",
    line1: input.line1,
    line2: input.line2 ?? "",
    city: input.city ?? "",
    region: input.region ?? "",
    postalCode: input.postalCode ?? "",
    countryCode: input.countryCode,
    phone: input.phone ?? "",
  };
}

/** An UpdateAddressInput as the domain takes it: a field left out or null stays as it is. */
export function addressChangesOf(input: UpdateAddressInput): domain.AddressChanges {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
}

/** An order filter as the domain layer takes it (the statuses are the contract's enum values already). */
export function orderFilterOf(filter: InputMaybe<OrderFilter>): domain.OrderFilter {
  return {
    statuses: defined(filter?.statuses),
    createdFrom: defined(filter?.createdFrom),
    createdTo: defined(filter?.createdTo),
  };
}

/** The address arguments of checkout or the address fields of OrderInput, as the domain takes them. */
export function orderAddressesOf(args: {
  shippingAddress?: InputMaybe<AddressInput>;
  shippingAddressId?: InputMaybe<string>;
  billingAddress?: InputMaybe<AddressInput>;
  billingAddressId?: InputMaybe<string>;
}): domain.OrderAddressInput {
  return {
    shippingAddress: args.shippingAddress ? postalAddressOfInput(args.shippingAddress) : undefined,
    shippingAddressId: defined(args.shippingAddressId),
    billingAddress: args.billingAddress ? postalAddressOfInput(args.billingAddress) : undefined,
    billingAddressId: defined(args.billingAddressId),
  };
}
