import { isAuthenticated, isPlatformAdmin } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Organisations: public names, for any authenticated principal. */
export const ORGANISATION_RULES: ModuleRules = {
  Organisation: isAuthenticated,
  Mutation: { setOrganisationIatiIdentifier: isPlatformAdmin },
};
