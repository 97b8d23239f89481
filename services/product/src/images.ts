import {
  invalidArgument,
  recordEvents,
  requireHttpsUrl,
  requireId,
  requireLine,
  type Database,
} from "@polyscale/platform";
import { productNotFound, variantNotFound } from "./client.js";
import { productChanged } from "./events.js";
import type { Product, ProductImage } from "./model.js";
import * as repository from "./repository.js";

/** Images of one product; a gallery rarely shows more, and the list lives on the product row. */
export const MAX_IMAGES = 20;
/** Longest image URL: what every browser and CDN accepts (the de facto limit of 2,048 characters). */
export const MAX_IMAGE_URL_LENGTH = 2048;
export const MAX_IMAGE_ALT_LENGTH = 500;

/** One image as a caller gives it: an empty or absent variantId is the product's as a whole. */
export interface ProductImageInput {
  url: string;
  alt: string;
  variantId?: string;
}

/** A product's new list of images, in order (SetProductImages). */
export interface SetProductImagesInput {
  productId: string;
  images: readonly ProductImageInput[];
}

export interface ImageServiceOptions {
  database: Database;
}

/** A product's images: the ordered list of https URLs with alt text, each of the product or of one variant. */
export class ImageService {
  private readonly database: Database;

  constructor(options: ImageServiceOptions) {
    this.database = options.database;
  }

  /**
   * Replaces the product's images with `images`, in that order (the first is the main image; sending the list in
   * another order reorders it, an empty list removes them), recording product.updated. An image may name one of the
   * product's variants (variantId, e.g. the red one's photo; empty or absent: the product as a whole); each variant then
   * lists its images (Variant.images). Every image is checked before anything is written: INVALID_ARGUMENT naming
   * `images[i].url` (not an absolute https URL by the WHATWG parser, with a user name or password, spaces or controls,
   * or over MAX_IMAGE_URL_LENGTH; a URL already in the list), `images[i].alt` (control characters or line breaks, over
   * MAX_IMAGE_ALT_LENGTH) or `images[i].variantId` (not an id), or `images` with reason LIMIT_EXCEEDED beyond
   * MAX_IMAGES; NOT_FOUND VARIANT_NOT_FOUND (field `images[i].variantId`) for a variant that is not one of the
   * product's. NOT_FOUND PRODUCT_NOT_FOUND (field productId) for an unknown product.
   */
  async setProductImages(input: SetProductImagesInput): Promise<Product> {
    const productId = requireId("productId", input.productId);
    const images = requireImages(input.images);
    return this.database.transaction(async (tx) => {
      // A variant never leaves its product and is never deleted, so what this read finds stays true until the write.
      const current = await repository.getProduct(tx, productId);
      if (!current) throw productNotFound(productId, "productId");
      const variantIds = new Set(current.variants.map((variant) => variant.id));
      const stranger = images.find((image) => image.variantId !== null && !variantIds.has(image.variantId));
      if (stranger) throw variantNotFound(stranger.variantId!, `images[${stranger.position}].variantId`, productId);
      const updated = (await repository.setImages(tx, productId, images))!;
      await recordEvents(tx, [productChanged("product.updated", updated)]);
      return updated;
    });
  }
}

/**
 * The images checked and normalised (URLs as the WHATWG parser serialises them), positions from 0; see
 * setProductImages.
 */
function requireImages(images: readonly ProductImageInput[]): ProductImage[] {
  if (images.length > MAX_IMAGES) {
    throw invalidArgument("images", `must hold at most ${MAX_IMAGES} images`, "LIMIT_EXCEEDED");
  }
  const seen = new Set<string>();
  return images.map((image, position) => {
    const url = requireHttpsUrl(`images[${position}].url`, image.url, { max: MAX_IMAGE_URL_LENGTH });
    if (seen.has(url)) throw invalidArgument(`images[${position}].url`, "is already in the list");
    seen.add(url);
    const alt = requireLine(`images[${position}].alt`, image.alt, { min: 0, max: MAX_IMAGE_ALT_LENGTH });
    const variantId = image.variantId ? requireId(`images[${position}].variantId`, image.variantId) : null;
    return { url, alt, position, variantId };
  });
}
