import { bindService, enumFromProto, type ServiceBinding, type ServiceBindingOptions } from "@polyscale/platform";
import {
  ProductServiceService,
  ReservationStatus as ProtoReservationStatus,
  SearchSort,
  type Category as ProtoCategory,
  type Product as ProtoProduct,
  type ProductImage as ProtoProductImage,
  type Reservation as ProtoReservation,
  type Variant as ProtoVariant,
} from "@polyscale/proto/product/v1/product";
import type {
  Category,
  Product,
  ProductImage,
  Reservation,
  ReservationStatus,
  SearchSortOrder,
  Variant,
} from "./model.js";
import type { ProductService } from "./service.js";

const protoSortOf: Record<SearchSortOrder, SearchSort> = {
  relevance: SearchSort.SEARCH_SORT_RELEVANCE,
  price_asc: SearchSort.SEARCH_SORT_PRICE_ASC,
  price_desc: SearchSort.SEARCH_SORT_PRICE_DESC,
  newest: SearchSort.SEARCH_SORT_NEWEST,
};

const protoStatusOf: Record<ReservationStatus, ProtoReservationStatus> = {
  held: ProtoReservationStatus.RESERVATION_STATUS_HELD,
  committed: ProtoReservationStatus.RESERVATION_STATUS_COMMITTED,
  released: ProtoReservationStatus.RESERVATION_STATUS_RELEASED,
};

function toProtoProduct(product: Product): ProtoProduct {
  return {
    ...product,
    categoryId: product.categoryId ?? "",
    archivedAt: product.archivedAt ?? undefined,
    variants: product.variants.map(toProtoVariant),
    images: product.images.map(toProtoImage),
  };
}

function toProtoVariant(variant: Variant): ProtoVariant {
  return { ...variant, archivedAt: variant.archivedAt ?? undefined, images: variant.images.map(toProtoImage) };
}

function toProtoImage(image: ProductImage): ProtoProductImage {
  return { ...image, variantId: image.variantId ?? "" };
}

function toProtoCategory(category: Category): ProtoCategory {
  return { ...category, parentId: category.parentId ?? "" };
}

function toProtoReservation(reservation: Reservation): ProtoReservation {
  return { ...reservation, status: protoStatusOf[reservation.status] };
}

/**
 * The gRPC face of the product service: converts messages to and from the domain. Changes to the catalogue, the stock
 * report and the reservations ask `caller` first: a forwarded end-user token must be an admin's (defence in depth, see
 * CallerCheck). Reservations are the order service's internal calls, made without a token: the gateway exposes none
 * of the four RPCs, so a customer's token forwarded to them (by a compromised or mistaken caller) could only be an
 * attempt to take, free or sell stock outside an order; an admin's passes as for every other admin-only call.
 */
export function productServiceBinding({
  service,
  caller,
  logger,
}: ServiceBindingOptions<ProductService>): ServiceBinding {
  return bindService(
    ProductServiceService,
    {
      createProduct: async (request, context) => {
        await caller.requireAdmin(context);
        return {
          product: toProtoProduct(
            await service.createProduct({
              ...request,
              variants: request.variants?.variants,
              attributes: request.attributes?.attributes,
            }),
          ),
        };
      },
      updateProduct: async (request, context) => {
        await caller.requireAdmin(context);
        return {
          product: toProtoProduct(
            await service.updateProduct({ ...request, attributes: request.attributes?.attributes }),
          ),
        };
      },
      setProductImages: async (request, context) => {
        await caller.requireAdmin(context);
        return { product: toProtoProduct(await service.setProductImages(request)) };
      },
      archiveProduct: async (request, context) => {
        await caller.requireAdmin(context);
        return { product: toProtoProduct(await service.archiveProduct(request.id)) };
      },
      restoreProduct: async (request, context) => {
        await caller.requireAdmin(context);
        return { product: toProtoProduct(await service.restoreProduct(request.id)) };
      },
      getProduct: async (request) => ({
        product: toProtoProduct(await service.getProduct(request.id)),
      }),
      getProducts: async (request) => ({
        products: (await service.getProducts(request.ids)).map(toProtoProduct),
      }),
      listProducts: async (request) => ({
        products: (await service.listProducts(request)).map(toProtoProduct),
      }),
      searchProducts: async (request) => {
        const result = await service.searchProducts({
          ...request,
          sort: enumFromProto(protoSortOf, request.sort),
        });
        return { ...result, products: result.products.map(toProtoProduct) };
      },
      addVariant: async (request, context) => {
        await caller.requireAdmin(context);
        const added = await service.addVariant({ productId: request.productId, variant: request.variant });
        return { product: toProtoProduct(added.product), variant: toProtoVariant(added.variant) };
      },
      updateVariant: async (request, context) => {
        await caller.requireAdmin(context);
        const updated = await service.updateVariant({ ...request, options: request.options?.options });
        return { product: toProtoProduct(updated.product), variant: toProtoVariant(updated.variant) };
      },
      archiveVariant: async (request, context) => {
        await caller.requireAdmin(context);
        const archived = await service.archiveVariant(request.id);
        return { product: toProtoProduct(archived.product), variant: toProtoVariant(archived.variant) };
      },
      restoreVariant: async (request, context) => {
        await caller.requireAdmin(context);
        const restored = await service.restoreVariant(request.id);
        return { product: toProtoProduct(restored.product), variant: toProtoVariant(restored.variant) };
      },
      createCategory: async (request, context) => {
        await caller.requireAdmin(context);
        return { category: toProtoCategory(await service.createCategory(request)) };
      },
      listCategories: async () => ({
        categories: (await service.listCategories()).map(toProtoCategory),
      }),
      adjustStock: async (request, context) => {
        await caller.requireAdmin(context);
        return { product: toProtoProduct(await service.adjustStock(request)) };
      },
      reserveStock: async (request, context) => {
        await caller.requireAdmin(context);
        return { reservation: toProtoReservation(await service.reserveStock(request)) };
      },
      releaseReservation: async (request, context) => {
        await caller.requireAdmin(context);
        return { reservation: toProtoReservation(await service.releaseReservation(request.orderId)) };
      },
      commitReservation: async (request, context) => {
        await caller.requireAdmin(context);
        return { reservation: toProtoReservation(await service.commitReservation(request.orderId)) };
      },
      listReservations: async (request, context) => {
        await caller.requireAdmin(context);
        return {
          reservations: (
            await service.listReservations({
              status: enumFromProto(protoStatusOf, request.status),
              createdBefore: request.createdBefore,
              take: request.take,
              afterOrderId: request.afterOrderId,
            })
          ).map(toProtoReservation),
        };
      },
      listStockLevels: async (request, context) => {
        await caller.requireAdmin(context);
        return {
          levels: await service.listStockLevels({ productIds: request.productIds, take: request.take }),
        };
      },
    },
    logger,
  );
}
