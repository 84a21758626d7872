import { administers, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Sharing agreements are managed by the administrators of the tenant that shares. */
export const SHARING_AGREEMENT_RULES: ModuleRules = {
  Query: { sharingAgreements: administers },
  Mutation: { createSharingAgreement: administers, revokeSharingAgreement: administers },
  ...pagedNode('SharingAgreement', administers),
  Perturbation: administers,
  CreateSharingAgreementPayload: administers,
  RevokeSharingAgreementPayload: administers,
};
