import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { SetOrganisationIatiIdentifierInput } from './organisation.inputs';
import { setOrganisationIatiIdentifier } from './organisation.service';
import { Organisation } from './organisation.type';

@Resolver(() => Organisation)
export class OrganisationResolver {
  @Mutation(() => Organisation, {
    description:
      'Sets or clears an organisation’s IATI organisation identifier, which the IATI export needs for every organisation it names. Platform administrators only.',
  })
  setOrganisationIatiIdentifier(
    @Arg('input', { description: 'The organisation, its identifier and the version you read.' })
    input: SetOrganisationIatiIdentifierInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Organisation> {
    return setOrganisationIatiIdentifier(ctx, input);
  }
}
