import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from "@polyscale/platform";
import { AccessTokenSigner, hashRefreshToken, newRefreshToken } from "./tokens.js";

const accountId = "0190d6a4-8b2c-7c4e-9a1b-2c3d4e5f6a7b";

async function verify(token: string, jwksJson: string) {
  return jwtVerify(token, createLocalJWKSet(JSON.parse(jwksJson) as JSONWebKeySet), {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: [TOKEN_ALGORITHM],
  });
}

describe("AccessTokenSigner", () => {
  it("signs tokens that verify against the published JWKS and carry sub and role", async () => {
    const signer = await AccessTokenSigner.create({ ttlSeconds: 900 });
    const { token, expiresAt } = await signer.sign({ accountId, role: "admin", sessionId: accountId, generation: 0 });
    const { payload, protectedHeader } = await verify(token, signer.jwksJson);
    expect(payload).toMatchObject({ sub: accountId, role: "admin", iss: "polyscale-account", aud: "polyscale" });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(expiresAt.getTime()).toBe(payload.exp! * 1000);
    const jwks = JSON.parse(signer.jwksJson) as JSONWebKeySet;
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: jwks.keys[0]!.kid });
  });

  it("publishes only the public key", async () => {
    const signer = await AccessTokenSigner.create({ ttlSeconds: 900 });
    const [key] = (JSON.parse(signer.jwksJson) as JSONWebKeySet).keys;
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(key).not.toHaveProperty("d");
  });

  it("rejects a tampered token", async () => {
    const signer = await AccessTokenSigner.create({ ttlSeconds: 900 });
    const { token } = await signer.sign({ accountId, role: "customer", sessionId: accountId, generation: 0 });
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    const forged = Buffer.from(
      JSON.stringify({ ...claims, role: "admin", sessionId: accountId, generation: 0 }),
    ).toString("base64url");
    await expect(verify(`${header}.${forged}.${signature}`, signer.jwksJson)).rejects.toThrow();
  });

  it("rejects a token signed by another key", async () => {
    const signer = await AccessTokenSigner.create({ ttlSeconds: 900 });
    const stranger = await AccessTokenSigner.create({ ttlSeconds: 900 });
    const { token } = await stranger.sign({ accountId, role: "admin", sessionId: accountId, generation: 0 });
    await expect(verify(token, signer.jwksJson)).rejects.toThrow();
  });

  it("uses a configured PKCS#8 key, so every process with it signs verifiable tokens with the same kid", async () => {
    const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    // Each process reads JWT_PRIVATE_KEY into a key of its own.
    const first = await AccessTokenSigner.create({ privateKey: createPrivateKey(pem), ttlSeconds: 60 });
    const second = await AccessTokenSigner.create({ privateKey: createPrivateKey(pem), ttlSeconds: 60 });
    expect(second.jwksJson).toBe(first.jwksJson);
    const { token } = await second.sign({ accountId, role: "customer", sessionId: accountId, generation: 0 });
    await expect(verify(token, first.jwksJson)).resolves.toBeDefined();
    expect(decodeProtectedHeader(token).kid).toBe((JSON.parse(first.jwksJson) as JSONWebKeySet).keys[0]!.kid);
  });
});

describe("refresh tokens", () => {
  it("are 32 random bytes in base64url, stored as their SHA-256", () => {
    const token = newRefreshToken();
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(newRefreshToken()).not.toBe(token);
    expect(hashRefreshToken(token)).toHaveLength(32);
    expect(hashRefreshToken(token).equals(hashRefreshToken(token))).toBe(true);
  });
});
