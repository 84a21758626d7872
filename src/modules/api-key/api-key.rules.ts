import { administers, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** API keys: tenant administrators only. */
export const API_KEY_RULES: ModuleRules = {
  Query: { apiKeys: administers },
  Mutation: { createApiKey: administers, revokeApiKey: administers },
  ...pagedNode('ApiKey', administers),
  CreateApiKeyPayload: administers,
  RevokeApiKeyPayload: administers,
};
