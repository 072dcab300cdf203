/**
 * RS256 JSON Web Tokens with node:crypto only: a key pair per user pool, its public half as a JWK, signing, and
 * the verification the local Cognito itself needs (GetUser, REFRESH_TOKEN_AUTH). The API never uses this file: it
 * verifies with aws-jwt-verify against the JWKS the edge serves, exactly as it does against AWS.
 */
import { createHash, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface PublicJwk {
  readonly kid: string;
  readonly alg: 'RS256';
  readonly kty: 'RSA';
  readonly use: 'sig';
  readonly n: string;
  readonly e: string;
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: PublicJwk;
}

export type JwtPayload = Readonly<Record<string, unknown>>;

export class JwtMalformedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwtMalformedError';
  }
}

export class JwtSignatureInvalidError extends Error {
  constructor() {
    super('The token signature does not verify with this key');
    this.name = 'JwtSignatureInvalidError';
  }
}

/** A fresh 2048-bit RSA key; the kid is the SHA-256 of the modulus, so it is stable for a key and unique across keys. */
export const generateSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = publicKey.export({ format: 'jwk' });
  const n = String(exported.n);
  const e = String(exported.e);
  const kid = createHash('sha256').update(n).digest('base64');
  return { kid, privateKey, publicKey, jwk: { kid, alg: 'RS256', kty: 'RSA', use: 'sig', n, e } };
};

const base64UrlJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `header.payload.signature` with `{"kid","alg":"RS256"}` as the header, as Cognito signs. */
export const signJwt = (key: SigningKey, payload: JwtPayload): string => {
  const input = `${base64UrlJson({ kid: key.kid, alg: 'RS256' })}.${base64UrlJson(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey, 'base64url');
  return `${input}.${signature}`;
};

/** The header and payload of a JWT, without verifying anything. */
export const decodeJwt = (
  token: string,
): { header: Record<string, unknown>; payload: Record<string, unknown>; signingInput: string; signature: string } => {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part)))
    throw new JwtMalformedError('A JWT has three base64url parts');
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const decodedHeader: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const decodedPayload: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (
      typeof decodedHeader !== 'object' ||
      decodedHeader === null ||
      typeof decodedPayload !== 'object' ||
      decodedPayload === null
    )
      throw new JwtMalformedError('The JWT header and payload must be JSON objects');
    return {
      header: decodedHeader as Record<string, unknown>,
      payload: decodedPayload as Record<string, unknown>,
      signingInput: `${header}.${payload}`,
      signature,
    };
  } catch (error) {
    if (error instanceof JwtMalformedError) throw error;
    throw new JwtMalformedError('The JWT header or payload is not JSON', { cause: error });
  }
};

/** The payload of a JWT signed by `key` with RS256; throws when the algorithm, kid or signature is wrong. */
export const verifyJwtSignature = (key: SigningKey, token: string): Record<string, unknown> => {
  const decoded = decodeJwt(token);
  if (decoded.header.alg !== 'RS256' || decoded.header.kid !== key.kid) throw new JwtSignatureInvalidError();
  const valid = createVerify('RSA-SHA256')
    .update(decoded.signingInput)
    .verify(key.publicKey, decoded.signature, 'base64url');
  if (!valid) throw new JwtSignatureInvalidError();
  return decoded.payload;
};
