import { ADDRESS_FIELD_LIMITS } from "@polyscale/platform";
import { instant } from "./fields.js";

/** The fields of a postal address (PostalAddress in @polyscale/platform), as strings; "" or absent when not given. */
const postalAddressFields = {
  name: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.name },
  company: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.company },
  line1: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.line1 },
  line2: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.line2 },
  city: {
    type: "string",
    maxLength: ADDRESS_FIELD_LIMITS.city,
    description: "Required unless the country needs none (SG, HK, …).",
  },
  region: {
    type: "string",
    maxLength: ADDRESS_FIELD_LIMITS.region,
    description: "Required where the country needs one (US, CA, AU, …).",
  },
  postalCode: {
    type: "string",
    maxLength: ADDRESS_FIELD_LIMITS.postalCode,
    description: "Required where the country needs one (DE, GB, US, …).",
  },
  countryCode: {
    type: "string",
    description: "ISO 3166-1 alpha-2; lowercase is taken as uppercase; XX or UK are refused (COUNTRY_UNKNOWN).",
  },
  phone: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.phone },
} as const;
const addressRule =
  "name and line1 always required; city, region and postalCode where the country requires them in Google's address " +
  "data (libaddressinput); one line each, no control characters, not only invisible characters.";

/** The address book's schemas, and the postal address orders take and show. */
export const addressSchemas = {
  PostalAddress: {
    type: "object",
    additionalProperties: false,
    description: `A postal address; ${addressRule}`,
    properties: postalAddressFields,
  },
  Address: {
    type: "object",
    description: "An entry of an address book.",
    properties: {
      id: { type: "string" },
      accountId: { type: "string" },
      ...postalAddressFields,
      defaultShipping: { type: "boolean" },
      defaultBilling: { type: "boolean" },
      createdAt: instant,
      updatedAt: instant,
    },
  },
  NewAddress: {
    type: "object",
    additionalProperties: false,
    description: `An address to add; ${addressRule} The book's first address becomes both defaults.`,
    required: ["name", "line1", "countryCode"],
    properties: {
      ...postalAddressFields,
      defaultShipping: { type: "boolean", default: false },
      defaultBilling: { type: "boolean", default: false },
    },
  },
  AddressChanges: {
    type: "object",
    additionalProperties: false,
    description: "Only the fields present change; the result is checked as a whole.",
    properties: {
      ...postalAddressFields,
      defaultShipping: { type: "boolean", description: "true takes the default from the book's other address." },
      defaultBilling: { type: "boolean" },
    },
  },
} as const;
