import type { PostalAddress } from "@polyscale/platform";
import { berlinAddress as berlin, databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import { MAX_ADDRESSES_PER_ACCOUNT } from "./addresses.js";
import { countRows, useAccountService } from "./test-account-service.js";

describe.each(databaseBackends())("AccountService address books on $name", (backend) => {
  const bed = useAccountService(backend);
  const addressRows = (accountId: string) =>
    countRows(bed.database, "SELECT count(*)::int AS count FROM addresses WHERE account_id = $1", [accountId]);
  const newAccountId = async () => (await bed.register()).account.id;
  const add = (accountId: string, address: Partial<PostalAddress> = {}, defaults = {}) =>
    bed.service.addAddress({
      accountId,
      address: { ...berlin, ...address },
      defaultShipping: false,
      defaultBilling: false,
      ...defaults,
    });

  it.each([
    ["bad country XX", { countryCode: "XX" }, "COUNTRY_UNKNOWN", "countryCode"],
    ["a country that is not two letters", { countryCode: "DEU" }, "INVALID_INPUT", "countryCode"],
    ["missing name", { name: "" }, "INVALID_INPUT", "name"],
    ["missing line1", { line1: "  " }, "INVALID_INPUT", "line1"],
    ["missing postal code where DE requires one", { postalCode: "" }, "INVALID_INPUT", "postalCode"],
    ["missing region where US requires one", { countryCode: "US", postalCode: "94105" }, "INVALID_INPUT", "region"],
    ["a city too long", { city: "x".repeat(101) }, "INVALID_INPUT", "city"],
    ["a line break", { line1: "Unter den Linden\n1" }, "INVALID_INPUT", "line1"],
    ["a control character", { company: "ACME\u0007" }, "INVALID_INPUT", "company"],
    ["only invisible characters", { name: "\u200b\u2060" }, "INVALID_INPUT", "name"],
  ])("refuses %s with its code, reason and field, writing nothing", async (_case, address, reason, field) => {
    const accountId = await newAccountId();
    await expect(add(accountId, address)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", reason, field });
    expect(await addressRows(accountId)).toBe(0);
  });

  it("stores a lowercase country uppercased", async () => {
    const accountId = await newAccountId();
    expect(await add(accountId, { countryCode: "de" })).toMatchObject({ countryCode: "DE" });
  });

  it("lists, updates and deletes; the first address is the default for shipping and billing", async () => {
    const accountId = await newAccountId();
    const first = await add(accountId);
    expect(first).toMatchObject({ ...berlin, accountId, defaultShipping: true, defaultBilling: true });
    const second = await add(accountId, { line1: "Karl-Marx-Allee 2" }, { defaultShipping: true });
    expect(second).toMatchObject({ defaultShipping: true, defaultBilling: false });
    const listed = await bed.service.listAddresses(accountId);
    expect(listed.map((address) => [address.id, address.defaultShipping, address.defaultBilling])).toEqual([
      [first.id, false, true],
      [second.id, true, false],
    ]);

    const updated = await bed.service.updateAddress({
      accountId,
      id: first.id,
      line2: "Hinterhaus",
      defaultShipping: true,
    });
    expect(updated).toMatchObject({ line1: berlin.line1, line2: "Hinterhaus", defaultShipping: true });
    expect((await bed.service.getAddress(second.id)).defaultShipping).toBe(false);

    await bed.service.deleteAddress({ accountId, id: second.id });
    expect((await bed.service.listAddresses(accountId)).map((address) => address.id)).toEqual([first.id]);
    await expect(bed.service.getAddress(second.id)).rejects.toMatchObject({
      code: "NOT_FOUND",
      reason: "ADDRESS_NOT_FOUND",
      field: "id",
    });
  });

  it("validates an update as a whole: a new country may require what the address lacks; nothing changes", async () => {
    const accountId = await newAccountId();
    const stored = await add(accountId, { countryCode: "IE", postalCode: "", city: "Dublin" });
    await expect(bed.service.updateAddress({ accountId, id: stored.id, countryCode: "FR" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "postalCode",
    });
    await expect(bed.service.updateAddress({ accountId, id: stored.id, name: "\u202eevil" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "name",
    });
    expect(await bed.service.getAddress(stored.id)).toEqual(stored);
  });

  it("keeps each account's addresses its own: another account's id is ADDRESS_NOT_FOUND for change and delete", async () => {
    const owner = await newAccountId();
    const stranger = await newAccountId();
    const address = await add(owner);
    await expect(
      bed.service.updateAddress({ accountId: stranger, id: address.id, name: "Mallory" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", reason: "ADDRESS_NOT_FOUND", field: "id" });
    await expect(bed.service.deleteAddress({ accountId: stranger, id: address.id })).rejects.toMatchObject({
      reason: "ADDRESS_NOT_FOUND",
    });
    expect(await bed.service.getAddress(address.id)).toEqual(address);
    expect(await bed.service.listAddresses(stranger)).toEqual([]);
  });

  it("refuses malformed ids naming the field, and an unknown account", async () => {
    await expect(bed.service.getAddress("42")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "id" });
    await expect(bed.service.listAddresses("nope")).rejects.toMatchObject({ field: "accountId" });
    const accountId = await newAccountId();
    await expect(bed.service.deleteAddress({ accountId, id: "x" })).rejects.toMatchObject({ field: "id" });
    await expect(add("0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b")).rejects.toMatchObject({
      reason: "ACCOUNT_NOT_FOUND",
      field: "accountId",
    });
  });

  it("never lets concurrent additions pass the limit per account", async () => {
    const accountId = await newAccountId();
    await add(accountId);
    const attempts = MAX_ADDRESSES_PER_ACCOUNT + 10;
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, index) =>
        add(accountId, { line2: `Flat ${index}` }, { defaultBilling: true }),
      ),
    );
    const added = results.filter((result) => result.status === "fulfilled").length;
    const refused = results.filter(
      (result) => result.status === "rejected" && (result.reason as { reason?: string }).reason === "ADDRESS_BOOK_FULL",
    ).length;
    expect([added, refused]).toEqual([MAX_ADDRESSES_PER_ACCOUNT - 1, attempts - (MAX_ADDRESSES_PER_ACCOUNT - 1)]);
    expect(await addressRows(accountId)).toBe(MAX_ADDRESSES_PER_ACCOUNT);
    const listed = await bed.service.listAddresses(accountId);
    expect(listed.filter((address) => address.defaultBilling)).toHaveLength(1);
    expect(listed.filter((address) => address.defaultShipping)).toHaveLength(1);
  });
});
