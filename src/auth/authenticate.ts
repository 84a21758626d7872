import { createSecretKey, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { escapeLiteral } from 'pg';
import type { Config } from '../config';
import { apiKeySecretMatches, parseApiKey } from './api-key-secret';
import { type Grant, type Principal, PrincipalKind, Role, type Scope } from './principal';

/** What a request presented, after its signature or shape has been checked. */
export type Credential =
  | Readonly<{ kind: 'anonymous' }>
  | Readonly<{ kind: 'jwt'; subject: string }>
  | Readonly<{ kind: 'apiKey'; prefix: string; secret: string }>;

/** A credential that is present but not acceptable: always answered with HTTP 401. */
export class AuthenticationError extends Error {}

/** Clock skew tolerated on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** Longest `sub` accepted: identity providers' subjects are far shorter (Auth0, Keycloak: < 100). */
export const MAX_SUBJECT_LENGTH = 255;

/**
 * Control, format (zero-width, bidirectional) and surrogate code points: none belongs in a
 * subject, and U+0000 cannot even reach PostgreSQL.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * The token's subject, checked before anything uses it: a string of 1–255 characters with no
 * control, format or lone surrogate character and no surrounding space. Anything else is a
 * token this API did not issue a principal for: 401, like any other invalid token.
 */
export function subjectOf(sub: unknown): string {
  if (
    typeof sub !== 'string' ||
    sub.length === 0 ||
    sub.length > MAX_SUBJECT_LENGTH ||
    sub.trim() !== sub ||
    UNPRINTABLE.test(sub)
  ) {
    throw new AuthenticationError('The token is invalid');
  }
  return sub;
}

/**
 * Reads the credential of a request: `Authorization: Bearer <JWT>` or `X-Api-Key`.
 * Anything present but malformed, unsigned, expired or for another issuer or audience is
 * an error, never a fall-back to anonymous.
 */
export class Authenticator {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly jwt: Config['jwt']) {
    if (jwt.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(jwt.jwksUrl));
      this.algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    } else if (jwt.secret) {
      // A KeyObject once, rather than jose deriving one from the bytes on every request.
      this.key = createSecretKey(Buffer.from(jwt.secret, 'utf8'));
      this.algorithms = ['HS256'];
    } else {
      throw new Error('JWT_SECRET or JWT_JWKS_URL is required');
    }
  }

  async credentialOf(headers: IncomingHttpHeaders): Promise<Credential> {
    const authorization = headers.authorization;
    const apiKey = headers['x-api-key'];
    if (authorization !== undefined && apiKey !== undefined) {
      throw new AuthenticationError(
        'Send either an Authorization header or an X-Api-Key, not both',
      );
    }
    if (typeof apiKey === 'string') {
      const parsed = parseApiKey(apiKey.trim());
      if (!parsed) throw new AuthenticationError('The API key is malformed');
      return { kind: 'apiKey', ...parsed };
    }
    if (apiKey !== undefined) throw new AuthenticationError('Send one X-Api-Key header');
    if (authorization === undefined) return { kind: 'anonymous' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>"');
    return { kind: 'jwt', subject: await this.verify(match[1]!) };
  }

  private async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.key as KeyObject, {
        issuer: this.jwt.issuer,
        audience: this.jwt.audience,
        algorithms: this.algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
      });
      return subjectOf(payload.sub);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw new AuthenticationError('The token has expired');
      if (error instanceof joseErrors.JOSEError)
        throw new AuthenticationError('The token is invalid');
      throw error;
    }
  }
}

/** The ids of one request: the server's own, and the client's X-Request-Id if any. */
export type RequestIds = Readonly<{ requestId: string; clientRequestId: string | null }>;

/**
/** A sharing agreement in force for the principal's aggregate grants, as the database sees it. */
export type AgreementInForce = {
  tenantId: string;
  id: string;
  recipientOrganisationId: string;
  indicatorIds: string[];
  indicatorCodes: string[];
  allowedGroupBy: string[];
};

/**
 * The agreements in force for the request's aggregate grants (`app.aggregate_grants`, set by
 * `request_disclosure_settings` just before). A principal with no such grants has none, and the
 * condition on the setting is a one-time filter: the function does not even run for it.
 */
export const AGREEMENTS_IN_FORCE_SQL = `SELECT tenant_id AS "tenantId", id,
    recipient_organisation_id AS "recipientOrganisationId", indicator_ids AS "indicatorIds",
    indicator_codes AS "indicatorCodes", allowed_group_by AS "allowedGroupBy"
  FROM sharing_agreements_in_force()
 WHERE coalesce(current_setting('app.aggregate_grants', true), '') <> ''`;

/**
 * The statements that load a principal at the start of its request transaction (run as the
 * owner, before the switch to the application role). The first returns the principal's row and
 * sets the request's scope (`app.tenant_ids`, the partner projects, the tenants it writes and
 * administers: see migrations/1796156237055-row-security-everywhere.ts); the second sets what
 * the outcome functions trust instead of their arguments: the principal, its aggregate grants
 * and the request ids (see docs/disclosure-control.md); the third reads the sharing agreements
 * in force for those grants (none for most principals), which an outcome summary needs before
 * its one statement: read here, in the round trip every request makes anyway, instead of in a
 * statement of its own (issue 17). The simple query protocol takes no parameters: every value
 * is an escaped literal, and has been validated before (`subjectOf`, `parseApiKey`). Without
 * `ids` (a look-up that reads no data, such as the schema download) only the first.
 */
export function principalPreamble(
  credential: Exclude<Credential, { kind: 'anonymous' }>,
  ids?: RequestIds,
): readonly string[] {
  // PL/pgSQL functions: their plans are kept per connection, where this query's own is trivial.
  const subject = escapeLiteral(credential.kind === 'jwt' ? credential.subject : credential.prefix);
  const principal =
    credential.kind === 'jwt'
      ? `SELECT * FROM request_user_principal(${subject})`
      : `SELECT * FROM request_key_principal(${subject})`;
  if (!ids) return [principal];
  const clientRequestId =
    ids.clientRequestId === null ? 'NULL' : escapeLiteral(ids.clientRequestId);
  return [
    principal,
    `SELECT request_disclosure_settings('${credential.kind}', ${subject}, ${escapeLiteral(ids.requestId)}, ${clientRequestId})`,
    AGREEMENTS_IN_FORCE_SQL,
  ];
}

type UserRow = {
  id: string;
  platform_admin: boolean;
  grants: Grant[];
  all_tenants: { tenantId: string; tenantCode: string }[];
};
type KeyRow = {
  id: string;
  organisation_id: string;
  secret_hash: Buffer;
  scopes: Scope[];
  last_used_at: Date | null;
  grants: Grant[];
};

/**
 * Builds the principal from the preamble's rows; null when the credential names nobody
 * who may act: an unknown user, a user with no membership left, an unknown, revoked or
 * expired key, or a key whose secret does not match.
 */
export function principalFromRows(
  credential: Exclude<Credential, { kind: 'anonymous' }>,
  rows: unknown[],
): { principal: Principal; keyLastUsedAt?: Date | null } | null {
  if (rows.length !== 1) return null;
  if (credential.kind === 'jwt') {
    const row = rows[0] as UserRow;
    const grants: Grant[] = row.platform_admin
      ? row.all_tenants.map((t) => ({ ...t, organisationId: '', role: Role.PLATFORM_ADMIN }))
      : row.grants;
    if (grants.length === 0) return null;
    return {
      principal: Object.freeze({
        kind: PrincipalKind.USER,
        id: row.id,
        subject: credential.subject,
        organisationId: null,
        platformAdmin: row.platform_admin,
        grants: Object.freeze(grants),
        scopes: null,
      }),
    };
  }
  const row = rows[0] as KeyRow;
  if (!apiKeySecretMatches(credential.secret, row.secret_hash)) return null;
  return {
    principal: Object.freeze({
      kind: PrincipalKind.API_KEY,
      id: row.id,
      subject: credential.prefix,
      organisationId: row.organisation_id,
      platformAdmin: false,
      grants: Object.freeze(row.grants),
      scopes: Object.freeze([...row.scopes]),
    }),
    keyLastUsedAt: row.last_used_at,
  };
}
