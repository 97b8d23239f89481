import {
  bindService,
  enumFromProto,
  postalAddressOf,
  type PostalAddress,
  type ServiceBinding,
  type ServiceBindingOptions,
} from "@polyscale/platform";
import {
  AccountServiceService,
  Role as ProtoRole,
  type Account as ProtoAccount,
  type Address as ProtoAddress,
  type PostalAddress as ProtoPostalAddress,
  type Session as ProtoSession,
} from "@polyscale/proto/account/v1/account";
import { addressNotFound } from "./client.js";
import type { RevocationFeed } from "./revocation-feed.js";
import type { Account, Address, Role, Session } from "./model.js";
import type { AccountService } from "./service.js";

const protoRoleOf: Record<Role, ProtoRole> = { customer: ProtoRole.ROLE_CUSTOMER, admin: ProtoRole.ROLE_ADMIN };

function toProtoAccount(account: Account): ProtoAccount {
  return {
    id: account.id,
    name: account.name,
    email: account.email ?? "",
    role: protoRoleOf[account.role],
    disabled: account.disabled,
    emailVerified: account.emailVerified,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}

function toProtoSession(session: Session): ProtoSession {
  return { ...session, account: toProtoAccount(session.account) };
}

function toProtoAddress(address: Address): ProtoAddress {
  return {
    id: address.id,
    accountId: address.accountId,
    address: postalAddressOf(address),
    defaultShipping: address.defaultShipping,
    defaultBilling: address.defaultBilling,
    createdAt: address.createdAt,
    updatedAt: address.updatedAt,
  };
}

/** A message left out is an address of empty fields, which the service refuses naming the first required one. */
function fromProtoPostalAddress(address: ProtoPostalAddress | undefined): PostalAddress {
  return postalAddressOf(
    address ?? {
      name: "",
      company: "",
      line1: "",
      line2: "",
      city: "",
      region: "",
      postalCode: "",
      countryCode: "",
      phone: "",
    },
  );
}

export interface AccountServiceBindingOptions extends ServiceBindingOptions<AccountService> {
  /** What WatchRevocations streams to the gateways. */
  revocations: RevocationFeed;
}

/**
 * Maps AccountService's gRPC methods onto the service: proto in, domain call, proto out. A call about one account
 * first asks `caller` whether the forwarded end user may act for it, and role, disabling, listing and creating
 * accounts whether it is an admin (defence in depth, see CallerCheck).
 */
export function accountServiceBinding({
  service,
  revocations,
  caller,
  logger,
}: AccountServiceBindingOptions): ServiceBinding {
  return bindService(
    AccountServiceService,
    {
      createAccount: async (request, context) => {
        await caller.requireAdmin(context);
        const role = enumFromProto(protoRoleOf, request.role);
        return { account: toProtoAccount(await service.createAccount({ ...request, role })) };
      },
      getAccount: async (request, context) => {
        await caller.requireActingFor(context, request.id);
        return { account: toProtoAccount(await service.getAccount(request.id)) };
      },
      getAccounts: async (request, context) => {
        await caller.requireActingFor(context, ...request.ids);
        return { accounts: (await service.getAccounts(request.ids)).map(toProtoAccount) };
      },
      listAccounts: async (request, context) => {
        await caller.requireAdmin(context);
        return { accounts: (await service.listAccounts(request)).map(toProtoAccount) };
      },
      register: async (request, context) => ({ session: toProtoSession(await service.register(context, request)) }),
      login: async (request) => ({ session: toProtoSession(await service.login(request)) }),
      refreshToken: async (request, context) => ({
        session: toProtoSession(await service.refreshToken(context, request.refreshToken)),
      }),
      logout: async (request) => {
        await service.logout(request.refreshToken);
        return {};
      },
      updateProfile: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { account: toProtoAccount(await service.updateProfile(request)) };
      },
      changePassword: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { session: toProtoSession(await service.changePassword(request)) };
      },
      getSigningKeys: () => Promise.resolve({ jwksJson: service.signingKeys() }),
      logoutAll: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        await service.logoutAll(request.accountId);
        return {};
      },
      setRole: async (request, context) => {
        await caller.requireAdmin(context);
        const role = enumFromProto(protoRoleOf, request.role);
        return { account: toProtoAccount(await service.setRole({ accountId: request.accountId, role })) };
      },
      setDisabled: async (request, context) => {
        await caller.requireAdmin(context);
        return { account: toProtoAccount(await service.setDisabled(request)) };
      },
      getSessionState: async (request) => service.sessionState(request),
      requestPasswordReset: (request, context) => {
        service.requestPasswordReset(context, request.email);
        return Promise.resolve({});
      },
      resetPassword: async (request) => ({
        session: toProtoSession(await service.resetPassword(request)),
      }),
      requestEmailVerification: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        await service.requestEmailVerification(request.accountId);
        return {};
      },
      verifyEmail: async (request) => ({
        account: toProtoAccount(await service.verifyEmail(request.token)),
      }),
      listAddresses: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { addresses: (await service.listAddresses(request.accountId)).map(toProtoAddress) };
      },
      getAddress: async (request, context) => {
        const address = await service.getAddress(request.id);
        await caller.requireOwnerOf(context, address.accountId, () => addressNotFound(request.id, "id"));
        return { address: toProtoAddress(address) };
      },
      addAddress: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        const address = fromProtoPostalAddress(request.address);
        return { address: toProtoAddress(await service.addAddress({ ...request, address })) };
      },
      updateAddress: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        return { address: toProtoAddress(await service.updateAddress(request)) };
      },
      deleteAddress: async (request, context) => {
        await caller.requireActingFor(context, request.accountId);
        await service.deleteAddress(request);
        return {};
      },
      watchRevocations: async (_request, _context, stream) =>
        revocations.subscribe((batch) => stream.send({ revocations: batch }), stream.signal),
    },
    logger,
  );
}
