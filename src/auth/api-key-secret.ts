import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `dg_<prefix>_<secret>`: the prefix (10 lowercase alphanumerics) finds
 * the row, the secret (256 random bits, base64url) proves possession. Only SHA-256 of the
 * secret is stored: with 256 bits of entropy a slow hash adds nothing.
 */
const KEY_PATTERN = /^dg_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export type GeneratedApiKey = Readonly<{ prefix: string; token: string; secretHash: Buffer }>;

export function generateApiKey(): GeneratedApiKey {
  const prefix = Array.from(randomBytes(10), (byte) => PREFIX_ALPHABET[byte % 36]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { prefix, token: `dg_${prefix}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Splits a presented key into prefix and secret; null when it is not shaped like one. */
export function parseApiKey(token: string): { prefix: string; secret: string } | null {
  const match = KEY_PATTERN.exec(token);
  return match ? { prefix: match[1]!, secret: match[2]! } : null;
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function apiKeySecretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashApiKeySecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
