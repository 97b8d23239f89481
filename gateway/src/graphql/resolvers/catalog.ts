import { requireCurrency } from "@polyscale/platform";
import { SearchSort } from "@polyscale/product";
import * as domain from "../../domain/index.js";
import type {
  CategoryFacetResolvers,
  CategoryResolvers,
  MutationResolvers,
  PriceBucketFacetResolvers,
  ProductImageResolvers,
  ProductResolvers,
  ProductSearchResultResolvers,
  QueryResolvers,
  SearchFacetsResolvers,
  StockLevelResolvers,
  VariantResolvers,
} from "../gen/resolvers-types.js";
import { nonNull, withInputNames } from "../errors.js";
import { defined, productCreationOf, productSearchOf, searchCurrencyOf, variantOf } from "../inputs.js";
import { decimalOf, priceCentsOf } from "../money.js";

export const Query = {
  products: async (_, args, { gateway }) => {
    const page = domain.pageOf(args.pagination);
    if (args.id !== null && args.id !== undefined) {
      const product = await domain.getProduct(gateway, args.id);
      return product ? [product] : [];
    }
    if (args.query) {
      const search = {
        ...productSearchOf({}, gateway.defaultCurrency),
        query: args.query,
        sort: SearchSort.SEARCH_SORT_RELEVANCE,
        page,
      };
      return (await domain.searchProducts(gateway, search)).products;
    }
    return domain.listProducts(gateway, page);
  },
  product: (_, args, { gateway }) => domain.getProduct(gateway, args.id),
  searchProducts: async (_, args, { gateway }) => {
    const currency = searchCurrencyOf(args, gateway.defaultCurrency);
    const search = domain.searchProducts(gateway, productSearchOf(args, currency));
    return { ...(await withInputNames(search, { minPriceCents: "minPrice", maxPriceCents: "maxPrice" })), currency };
  },
  categories: (_, _args, { gateway }) => domain.listCategories(gateway),
  stockLevels: (_, args, { gateway }) =>
    domain.listStockLevels(gateway, { productIds: args.productIds ?? [], take: args.take ?? 0 }),
} satisfies QueryResolvers;

/** A product's price is `price` (decimal) in ProductInput and UpdateProductInput, `priceCents` in the service. */
const decimalPrice = { priceCents: "price" };

export const Mutation = {
  createProduct: (_, { product }, { gateway }) =>
    withInputNames(domain.createProduct(gateway, productCreationOf(product, gateway.defaultCurrency)), decimalPrice),
  updateProduct: async (_, { id, input }, { gateway }) => {
    const currency = input.currency == null ? undefined : requireCurrency("currency", input.currency);
    // A new price without a new currency is in the product's current one.
    const priceCurrency =
      input.price == null
        ? gateway.defaultCurrency
        : (currency ?? (await domain.getProduct(gateway, id))?.currency ?? gateway.defaultCurrency);
    const changes = {
      id,
      name: defined(input.name),
      description: defined(input.description),
      priceCents: priceCentsOf("price", input.price, priceCurrency),
      currency,
      categoryId: defined(input.categoryId),
      attributes: input.attributes == null ? undefined : { attributes: input.attributes },
    };
    return withInputNames(domain.updateProduct(gateway, changes), decimalPrice);
  },
  adjustStock: (_, args, { gateway }) =>
    domain.adjustStock(gateway, { productId: args.productId, delta: args.delta, variantId: defined(args.variantId) }),
  addVariant: async (_, args, { gateway }) =>
    (
      await domain.addVariant(gateway, {
        productId: args.productId,
        variant: variantOf(args.variant, gateway.defaultCurrency),
      })
    ).variant,
  updateVariant: async (_, { id, input }, { gateway }) =>
    (
      await domain.updateVariant(gateway, {
        id,
        sku: defined(input.sku),
        options: defined(input.options),
        priceCents: defined(input.priceCents),
        currency: defined(input.currency),
      })
    ).variant,
  setProductImages: (_, args, { gateway }) =>
    domain.setProductImages(
      gateway,
      args.productId,
      args.images.map((image) => ({ url: image.url, alt: defined(image.alt), variantId: defined(image.variantId) })),
    ),
  archiveProduct: (_, args, { gateway }) => domain.setProductArchived(gateway, args.id, true),
  restoreProduct: (_, args, { gateway }) => domain.setProductArchived(gateway, args.id, false),
  archiveVariant: async (_, args, { gateway }) => (await domain.setVariantArchived(gateway, args.id, true)).variant,
  restoreVariant: async (_, args, { gateway }) => (await domain.setVariantArchived(gateway, args.id, false)).variant,
  createCategory: (_, { input }, { gateway }) =>
    domain.createCategory(gateway, { name: input.name, slug: defined(input.slug), parentId: defined(input.parentId) }),
} satisfies MutationResolvers;

export const types = {
  Category: {
    parent: (category, _args, { gateway }) => domain.getCategory(gateway, category.parentId),
  } satisfies CategoryResolvers,
  Product: {
    price: (product) => decimalOf(product.priceCents, product.currency),
    category: (product, _args, { gateway }) => domain.getCategory(gateway, product.categoryId),
    inStock: (product) => product.stock > 0 && product.archivedAt === undefined,
    archived: (product) => product.archivedAt !== undefined,
    variants: (product, _args, { gateway }) => domain.shownVariants(gateway, product),
    images: (product, _args, { gateway }) => domain.shownImages(gateway, product),
  } satisfies ProductResolvers,
  Variant: {
    price: (variant) => decimalOf(variant.priceCents, variant.currency),
    archived: (variant) => variant.archivedAt !== undefined,
  } satisfies VariantResolvers,
  ProductImage: {
    // The contract's empty id is the product's own image.
    variantId: (image) => image.variantId || null,
  } satisfies ProductImageResolvers,
  ProductSearchResult: {
    items: (result) => result.products,
    facets: (result) => result,
  } satisfies ProductSearchResultResolvers,
  SearchFacets: {
    categories: (result) => result.categoryFacets,
    // A bucket's decimal bounds need the currency the search was made in.
    priceBuckets: (result) => result.priceFacets.map((bucket) => ({ ...bucket, currency: result.currency })),
    options: (result) => domain.optionFacetGroups(result.optionFacets),
    optionsAreExact: (result) => result.optionFacetsAreExact,
  } satisfies SearchFacetsResolvers,
  CategoryFacet: {
    // The search counted products in it, so it exists.
    category: async (facet, _args, { gateway }) =>
      nonNull(await domain.getCategory(gateway, facet.categoryId), `category ${facet.categoryId} of a facet`),
  } satisfies CategoryFacetResolvers,
  PriceBucketFacet: {
    min: (bucket) => decimalOf(bucket.minCents, bucket.currency),
    max: (bucket) => (bucket.maxCents === undefined ? null : decimalOf(bucket.maxCents, bucket.currency)),
  } satisfies PriceBucketFacetResolvers,
  StockLevel: {
    product: (level, _args, { gateway }) => domain.getProduct(gateway, level.productId),
  } satisfies StockLevelResolvers,
};
