import {
  invalidArgument,
  recordEvents,
  requireHttpsUrl,
  requireId,
  requireLine,
  type Database,
} from "@polyscale/platform";
import { productNotFound } from "./lookups.js";
import { productChanged } from "./events.js";
import type { Product, ProductImage } from "./model.js";
import * as repository from "./repository.js";

/** Images of one product; a gallery rarely shows more, and the list lives on the product row. */
export const MAX_IMAGES = 20;
/** Longest image URL: what every browser and CDN accepts (the de facto limit of 2,048 characters). */
export const MAX_IMAGE_URL_LENGTH = 2048;
export const MAX_IMAGE_ALT_LENGTH = 500;

export interface ImageServiceOptions {
  database: Database;
}

/** A product's images: the ordered list of https URLs with alt text, replaced as a whole. */
export class ImageService {
  private readonly database: Database;

  constructor(options: ImageServiceOptions) {
    this.database = options.database;
  }

  /**
   * Replaces the product's images with `images`, in that order (the first is the main image; sending the list in
   * another order reorders it, an empty list removes them), recording product.updated. Every image is checked before
   * anything is written: INVALID_ARGUMENT naming `images[i].url` (not an absolute https URL by the WHATWG parser, with
   * a user name or password, spaces or controls, or over MAX_IMAGE_URL_LENGTH; a URL already in the list) or
   * `images[i].alt` (control characters or line breaks, over MAX_IMAGE_ALT_LENGTH), or `images` with reason
   * LIMIT_EXCEEDED beyond MAX_IMAGES. NOT_FOUND PRODUCT_NOT_FOUND (field productId) for an unknown product.
   */
  async setImages(input: { productId: string; images: readonly { url: string; alt: string }[] }): Promise<Product> {
    const productId = requireId("productId", input.productId);
    const images = requireImages(input.images);
    const product = await this.database.transaction(async (tx) => {
      const updated = await repository.setImages(tx, productId, images);
      if (updated) await recordEvents(tx, [productChanged("product.updated", updated)]);
      return updated;
    });
    if (!product) throw productNotFound(productId, "productId");
    return product;
  }
}

/** The images checked and normalised (URLs as the WHATWG parser serialises them), positions from 0; see setImages. */
function requireImages(images: readonly { url: string; alt: string }[]): ProductImage[] {
  if (images.length > MAX_IMAGES) {
    throw invalidArgument("images", `must hold at most ${MAX_IMAGES} images`, "LIMIT_EXCEEDED");
  }
  const seen = new Set<string>();
  return images.map((image, position) => {
    const url = requireHttpsUrl(`images[${position}].url`, image.url, { max: MAX_IMAGE_URL_LENGTH });
    if (seen.has(url)) throw invalidArgument(`images[${position}].url`, "is already in the list");
    seen.add(url);
    const alt = requireLine(`images[${position}].alt`, image.alt, { min: 0, max: MAX_IMAGE_ALT_LENGTH });
    return { url, alt, position };
  });
}
