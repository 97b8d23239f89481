import { AppError, canonicalEmail } from "@polyscale/platform";
import type { Account, Session } from "@polyscale/account";
import type { Cart } from "@polyscale/order";
import type { GatewayContext } from "../context.js";
import type { LoginSubject } from "../throttle.js";
import { present } from "./answers.js";
import { requireViewer } from "./authorization.js";
import { mergeGuestCartAtSignIn } from "./cart.js";

/**
 * A session just made by a login or registration and, when the request carried X-Cart-Token, how the guest cart's
 * merge into the account's cart went: the account's cart, or the merge's refusal (the session stands either way).
 */
export type SignedIn = Session & { guestCart?: { cart: Cart } | { refused: unknown } };

/** Merges the request's guest cart (X-Cart-Token) into the new session's account; a refusal is kept, not thrown. */
async function withGuestCart(context: GatewayContext, session: Session): Promise<SignedIn> {
  const accountId = session.account?.id;
  if (context.cartToken === undefined || accountId === undefined) return session;
  try {
    return { ...session, guestCart: { cart: present(await mergeGuestCartAtSignIn(context, accountId), "cart") } };
  } catch (refused) {
    return { ...session, guestCart: { refused } };
  }
}

/** Sessions: registering, logging in and out, tokens, passwords and email verification, with their throttles. */

/**
 * Each registration counts against the client address's allowance of expensive anonymous operations. With
 * X-Cart-Token the guest cart moves into the new account's cart (SignedIn.guestCart).
 */
export async function register(
  context: GatewayContext,
  input: { name: string; email: string; password: string },
): Promise<SignedIn> {
  await context.throttle.countAnonymous(context.clientIp);
  return withGuestCart(context, present((await context.services.account.register(input)).session, "session"));
}

/**
 * Runs a password check under the throttle of (who, client address) and of the address: a wrong password keeps its
 * count, the right one clears the pair, and a call that never checked a password (bad input, service down) counts
 * nothing.
 */
async function throttledPasswordCheck<T>(
  context: GatewayContext,
  who: LoginSubject,
  check: () => Promise<T>,
): Promise<T> {
  const attempt = await context.throttle.beginLogin(who, context.clientIp);
  let result: T;
  try {
    result = await check();
  } catch (error) {
    if (!(error instanceof AppError && error.code === "UNAUTHENTICATED")) await attempt.abandoned();
    throw error;
  }
  await attempt.succeeded();
  return result;
}

/** A login; with X-Cart-Token the guest cart moves into the account's cart (SignedIn.guestCart). */
export async function login(context: GatewayContext, input: { email: string; password: string }): Promise<SignedIn> {
  const response = await throttledPasswordCheck(context, { email: input.email }, () =>
    context.services.account.login(input),
  );
  return withGuestCart(context, present(response.session, "session"));
}

export async function refreshToken(context: GatewayContext, token: string): Promise<Session> {
  return present((await context.services.account.refreshToken({ refreshToken: token })).session, "session");
}

export async function logout(context: GatewayContext, token: string): Promise<void> {
  await context.services.account.logout({ refreshToken: token });
}

/**
 * Counts against the address's allowance of expensive anonymous operations, and against the email's (so no one can
 * flood someone's inbox from many addresses); the answer never tells whether the email has an account.
 */
export async function requestPasswordReset(context: GatewayContext, email: string): Promise<void> {
  await context.throttle.countAnonymous(context.clientIp);
  await context.throttle.countAnonymous(`password reset for ${canonicalEmail(email)}`);
  await context.services.account.requestPasswordReset({ email });
}

/** A password hash per call, so it counts like a registration. */
export async function resetPassword(
  context: GatewayContext,
  input: { token: string; newPassword: string },
): Promise<Session> {
  await context.throttle.countAnonymous(context.clientIp);
  return present((await context.services.account.resetPassword(input)).session, "session");
}

export async function requestEmailVerification(context: GatewayContext): Promise<void> {
  const viewer = requireViewer(await context.viewer());
  await context.services.account.requestEmailVerification({ accountId: viewer.accountId });
}

export async function verifyEmail(context: GatewayContext, token: string): Promise<Account> {
  await context.throttle.countAnonymous(context.clientIp);
  return present((await context.services.account.verifyEmail({ token })).account, "account");
}

/** Ends every session of the caller's own account. */
export async function logoutAll(context: GatewayContext): Promise<void> {
  const viewer = requireViewer(await context.viewer());
  await context.services.account.logoutAll({ accountId: viewer.accountId });
}

export async function changePassword(
  context: GatewayContext,
  input: { currentPassword: string; newPassword: string },
): Promise<Session> {
  const viewer = requireViewer(await context.viewer());
  const response = await throttledPasswordCheck(context, { accountId: viewer.accountId }, () =>
    context.services.account.changePassword({ accountId: viewer.accountId, ...input }),
  );
  return present(response.session, "session");
}
