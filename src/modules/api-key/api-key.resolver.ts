import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { CreateApiKeyInput, RevokeApiKeyInput } from './api-key.inputs';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key.service';
import { ApiKey, ApiKeyConnection, CreateApiKeyPayload, RevokeApiKeyPayload } from './api-key.type';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  // Nullable: denied to a caller who administers nothing, it nulls only itself.
  @Query(() => ApiKeyConnection, {
    nullable: true,
    description:
      'API keys all of whose tenants you administer, oldest first, revoked and expired ones included. Null if you administer no tenant.',
  })
  async apiKeys(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return toConnection(ApiKeyConnection, await listApiKeys(ctx, page));
  }

  @Mutation(() => CreateApiKeyPayload, {
    description:
      'Creates an API key for an organisation in tenants you administer; the payload carries the key this once.',
  })
  createApiKey(
    @Arg('input', () => CreateApiKeyInput, {
      description: 'The new key: its organisation, tenants and scopes.',
    })
    input: CreateApiKeyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateApiKeyPayload> {
    return createApiKey(ctx, input);
  }

  @Mutation(() => RevokeApiKeyPayload, {
    description:
      'Revokes an API key all of whose tenants you administer; it stops working on the next request.',
  })
  async revokeApiKey(
    @Arg('input', () => RevokeApiKeyInput, { description: 'Which key to revoke.' })
    input: RevokeApiKeyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RevokeApiKeyPayload> {
    return { apiKey: await revokeApiKey(ctx, input) };
  }

  @FieldResolver(() => Organisation, { description: 'The organisation the key acts for.' })
  organisation(@Root() key: ApiKey, @Ctx() ctx: RequestContext) {
    return organisationById(ctx).load(key.organisationId);
  }

  @FieldResolver(() => [Tenant], { description: 'The tenants the key works in.' })
  async tenants(@Root() key: ApiKey, @Ctx() ctx: RequestContext): Promise<Tenant[]> {
    const tenants = await tenantById(ctx).loadMany(key.tenantIds);
    const failed = tenants.find((tenant) => tenant instanceof Error);
    if (failed) throw failed;
    return tenants.filter(
      (tenant): tenant is Tenant => tenant !== null && !(tenant instanceof Error),
    );
  }
}
