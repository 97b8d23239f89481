import { ORDER_STATUS_NAMES, PAYMENT_KIND_NAMES } from "../representations.js";
import { instant, lineQuantity, money, safeInteger, schemaRef, variantIdProperty } from "./fields.js";

/** The addresses of an order as POST /checkout and POST /order take them; each optional, written out or by id. */
const orderAddressFields = {
  shippingAddress: {
    ...schemaRef("PostalAddress"),
    description: "Where to ship, written out; an order needs none (pickup, digital goods).",
  },
  shippingAddressId: { type: "string", format: "uuid", description: "Or an address of the caller's book." },
  billingAddress: { ...schemaRef("PostalAddress"), description: "The shipping address when left out." },
  billingAddressId: { type: "string", format: "uuid" },
} as const;

/** The idempotency key of POST /checkout and POST /order (domain/orders.ts idempotencyKeyOf). */
const idempotencyKeyProperty = {
  type: "string",
  description: "Or the Idempotency-Key header; both with different keys is refused (field idempotencyKey).",
} as const;

/** Orders as shown and listed, and the bodies that place one (for an account, or from the caller's cart). */
export const orderSchemas = {
  Order: {
    type: "object",
    properties: {
      id: { type: "string" },
      accountId: { type: "string" },
      status: {
        type: "string",
        enum: ORDER_STATUS_NAMES,
        description: "EXPIRED: not paid within the payment window; its stock was released.",
      },
      lines: {
        type: "array",
        items: {
          type: "object",
          properties: {
            productId: { type: "string" },
            name: { type: "string" },
            description: { type: "string" },
            variantId: { type: "string", description: "The product's id for its default variant." },
            sku: { type: "string", description: "At placement; empty on lines placed before orders recorded SKUs." },
            options: { type: "array", items: schemaRef("VariantOption") },
            unitPriceCents: money,
            quantity: lineQuantity,
            lineTotalCents: money,
          },
        },
      },
      totalCents: money,
      currency: { type: "string" },
      payments: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            kind: { type: "string", enum: PAYMENT_KIND_NAMES },
            amountCents: money,
            currency: { type: "string" },
            provider: { type: "string" },
            providerReference: { type: "string" },
            createdAt: instant,
          },
        },
      },
      createdAt: instant,
      updatedAt: instant,
      paymentDueAt: { ...instant, description: "When the order expires if it is still unpaid." },
      shippingAddress: {
        oneOf: [schemaRef("PostalAddress"), { type: "null" }],
        description: "A snapshot taken at placement (address-book edits leave it alone); null without one.",
      },
      billingAddress: {
        oneOf: [schemaRef("PostalAddress"), { type: "null" }],
        description: "The shipping address when none was given for billing.",
      },
    },
  },
  OrderPage: {
    type: "object",
    properties: {
      items: { type: "array", items: schemaRef("Order") },
      totalCount: {
        ...safeInteger,
        description: "Matching orders over all pages: exact up to 10,000; beyond, 10,000.",
      },
      totalCountIsExact: { type: "boolean", description: "False when more than 10,000 orders match." },
    },
  },
  NewOrder: {
    type: "object",
    additionalProperties: false,
    required: ["accountId", "lines"],
    properties: {
      accountId: { type: "string" },
      lines: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["productId", "quantity"],
          properties: {
            productId: { type: "string" },
            variantId: variantIdProperty,
            quantity: lineQuantity,
          },
        },
      },
      idempotencyKey: idempotencyKeyProperty,
      ...orderAddressFields,
    },
  },
  Checkout: {
    type: "object",
    additionalProperties: false,
    description: "Places an order from the caller's cart; every property is optional.",
    properties: {
      idempotencyKey: idempotencyKeyProperty,
      ...orderAddressFields,
    },
  },
} as const;
