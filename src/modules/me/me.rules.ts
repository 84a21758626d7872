import { isAuthenticated } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Who is calling: any authenticated principal. */
export const ME_RULES: ModuleRules = {
  Query: { me: isAuthenticated },
  Me: isAuthenticated,
  Membership: isAuthenticated,
};
