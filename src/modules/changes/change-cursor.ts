import { createHmac, timingSafeEqual } from 'node:crypto';
import { badUserInput } from '../../common/errors';

/*
 * The feed's cursors: where a client's copy stands (a position in the change log), what it
 * was allowed to see when it got there (its scope, to tell which rows fell out of view or
 * came into it since), and any resync in progress. Signed with the database's feed key
 * (change_feed_keys), because the scope decides which ids `change_feed_rows` is asked for:
 * a cursor a client made up or edited is refused.
 */

/** What a principal reads of one tenant: all of it, or some projects and communities. */
export type FeedScope = Readonly<{ full: boolean; projects: string[]; communities: string[] }>;

/** A position in the change log: rows after (txid, at, id) in that order. */
export type LogPosition = Readonly<{ txid: string; at: string; id: string }>;

/** Keyset position inside a list of (entity type, id) pairs. */
export type RowPosition = Readonly<{ type: string; id: string }> | null;

export type FeedCursor = Readonly<{
  tenantId: string;
  /** The scope the client's copy reflects; null: nothing of the tenant. */
  scope: FeedScope | null;
  position: LogPosition;
  /** When the cursor was handed out (epoch ms), for the retention check. */
  issuedAt: number;
  /** The initial copy of the current state, in progress. */
  snapshot?: Readonly<{ after: RowPosition }>;
  /** A change of scope being applied: tombstones for rows gone from view, upserts for new. */
  rescope?: Readonly<{ to: FeedScope | null; after: RowPosition }>;
}>;

const mac = (key: string, body: string) =>
  createHmac('sha256', key).update(body).digest('base64url');

export function encodeFeedCursor(cursor: FeedCursor, key: string): string {
  const body = Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** The cursor `since`, if this server signed it; a BAD_USER_INPUT naming `since` otherwise. */
export function decodeFeedCursor(since: string, key: string): FeedCursor {
  const [body, signature, extra] = since.split('.');
  const expected = body ? Buffer.from(mac(key, body)) : null;
  const given = Buffer.from(signature ?? '');
  if (
    !body ||
    extra !== undefined ||
    !expected ||
    expected.length !== given.length ||
    !timingSafeEqual(expected, given)
  ) {
    throw badUserInput(
      'since',
      'This is not a cursor of this changes feed: pass the `cursor` of a previous answer, or omit `since` to start from the current state',
    );
  }
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as FeedCursor;
}

export const sameScope = (a: FeedScope | null, b: FeedScope | null): boolean =>
  JSON.stringify(a) === JSON.stringify(b);
