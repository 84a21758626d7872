import { publishesIati } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** IATI publication: admins of the tenant (the service checks which); keys need `iati`. */
export const IATI_RULES: ModuleRules = {
  Query: { iatiActivities: publishesIati },
};
