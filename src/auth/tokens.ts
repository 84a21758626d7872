import { SignJWT } from 'jose';
import type { Config } from '../config';

/**
 * Signs an HS256 token for a subject with the configured secret, issuer and audience. For
 * development and tests only: production tokens come from the identity provider.
 */
export async function signToken(
  jwt: Config['jwt'],
  subject: string,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  if (!jwt.secret) throw new Error('Signing tokens needs JWT_SECRET');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(options.issuer ?? jwt.issuer)
    .setAudience(options.audience ?? jwt.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h')
    .sign(new TextEncoder().encode(jwt.secret));
}
