import type { PostalAddress } from "@polyscale/platform";

/** A complete, valid address (Germany requires a postal code), for tests of the address book and of checkout. */
export const berlinAddress: PostalAddress = {
  name: "Ada Lovelace",
  company: "",
  line1: "Unter den Linden 1",
  line2: "",
  city: "Berlin",
  region: "",
  postalCode: "10117",
  countryCode: "DE",
  phone: "",
};
