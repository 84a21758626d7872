import type DataLoader from 'dataloader';
import { byIdLoader } from '../../common/loader';
import type { RequestContext } from '../../context';
import type { User } from './user.type';

/**
 * Users by id. The users table is global; a user is only ever reached through a membership
 * the caller may administer, which is where the scoping happens.
 */
export const userById = (ctx: RequestContext): DataLoader<string, User | null> =>
  ctx.loader('user.byId', () =>
    byIdLoader((ids) =>
      ctx.tx.query<User>(
        `SELECT id, email, display_name AS "displayName" FROM users WHERE id = ANY ($1::uuid[])`,
        [ids],
      ),
    ),
  );
