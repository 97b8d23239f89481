import { describe, expect, it } from "vitest";
import { parseArguments } from "./settings.js";

describe("parseArguments", () => {
  it("defaults to the full mode at 100,000 products", () => {
    expect(parseArguments([])).toMatchObject({ mode: "full", products: 100_000, rounds: 5, embedded: false });
  });

  it("reads --quick and overrides in any order", () => {
    expect(parseArguments(["--products", "5000", "--quick", "--embedded", "--rounds", "4"])).toMatchObject({
      mode: "quick",
      embedded: true,
      products: 5000,
      rounds: 4,
    });
  });

  it("never seeds fewer products than point reads pick from", () => {
    expect(parseArguments(["--quick", "--products", "10"]).products).toBe(100);
  });

  it("refuses unknown flags and bad numbers with the usage text", () => {
    expect(() => parseArguments(["--fast"])).toThrow(/unknown argument "--fast"[\s\S]*usage:/);
    expect(() => parseArguments(["--rounds", "0"])).toThrow(/--rounds needs a whole number/);
    expect(() => parseArguments(["--products"])).toThrow(/--products needs a whole number/);
  });
});
