import { UUIDResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { activitiesOfParent } from '../activity/activity.loaders';
import { selectedNodeFields } from '../../common/selection';
import { ActivitiesArgs } from '../activity/activity.inputs';
import { ActivityConnection } from '../activity/activity.type';
import { communitiesWithActivities } from '../community/community.prefetch';
import { CommunitiesArgs } from '../community/community.inputs';
import { CommunityConnection } from '../community/community.type';
import { measurementsOfParent } from '../measurement/measurement.loaders';
import { MeasurementsArgs } from '../measurement/measurement.inputs';
import { MeasurementConnection } from '../measurement/measurement.type';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { DeleteRowInput } from '../../common/write-inputs';
import { CreateProjectInput, ProjectsArgs, UpdateProjectInput } from './project.inputs';
import { projectById, projectOrganisationLinks } from './project.loaders';
import { createProject, deleteProject, listProjects, updateProject } from './project.service';
import { Project, ProjectConnection } from './project.type';
import { PROJECT_TEXTS } from '../translation/translation.kinds';
import { saveTranslations, writtenRow } from '../translation/translation.service';

@Resolver(() => Project)
export class ProjectResolver {
  // Nullable: denied to a caller who reads no rows (the analyst), it nulls only itself.
  @Query(() => ProjectConnection, {
    nullable: true,
    description: 'Projects you may read, one page at a time; null if you may read no rows.',
  })
  async projects(@Args() args: ProjectsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(ProjectConnection, await listProjects(ctx, args));
  }

  @Query(() => Project, {
    nullable: true,
    description: 'One project by id; null if it does not exist or is hidden from you.',
  })
  project(
    @Arg('id', () => UUIDResolver, { description: 'Its id.' }) id: string,
    @Ctx() ctx: RequestContext,
  ) {
    return projectById(ctx).load(id);
  }

  @Mutation(() => Project, { description: 'Creates a project (tenant admins).' })
  async createProject(
    @Arg('input', { description: 'The new project.' }) input: CreateProjectInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await createProject(ctx, input);
    await saveTranslations(
      ctx,
      PROJECT_TEXTS,
      writtenRow(PROJECT_TEXTS, written),
      input.translations,
    );
    return written;
  }

  @Mutation(() => Project, {
    description: 'Changes a project (tenant admins); CONFLICT when expectedVersion is stale.',
  })
  async updateProject(
    @Arg('input', { description: 'Which project, at which version, and what to change.' })
    input: UpdateProjectInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await updateProject(ctx, input);
    await saveTranslations(
      ctx,
      PROJECT_TEXTS,
      writtenRow(PROJECT_TEXTS, written),
      input.translations,
      input.sourceLanguage !== undefined,
    );
    return written;
  }

  @Mutation(() => Project, {
    description:
      'Deletes a project that has no activities or measurements (tenant admins); returns it as it was.',
  })
  deleteProject(
    @Arg('input', { description: 'Which project, at which version.' }) input: DeleteRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return deleteProject(ctx, input);
  }

  @FieldResolver(() => Tenant, { description: 'The tenant (country) the project runs in.' })
  async tenant(@Root() project: Project, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(project.tenantId);
  }

  @FieldResolver(() => Organisation, {
    nullable: true,
    description: 'The organisation implementing the project.',
  })
  async implementer(@Root() project: Project, @Ctx() ctx: RequestContext) {
    const [id] = await this.organisationIds(ctx, project, 'IMPLEMENTER');
    return id ? organisationById(ctx).load(id) : null;
  }

  @FieldResolver(() => [Organisation], { description: 'The organisations funding the project.' })
  async donors(@Root() project: Project, @Ctx() ctx: RequestContext) {
    return this.organisations(ctx, project, 'DONOR');
  }

  @FieldResolver(() => [Organisation], {
    description: 'Partner organisations running parts of the project.',
  })
  async partners(@Root() project: Project, @Ctx() ctx: RequestContext) {
    return this.organisations(ctx, project, 'PARTNER');
  }

  @FieldResolver(() => CommunityConnection, { description: 'Communities the project targets.' })
  async communities(
    @Root() project: Project,
    @Args() args: CommunitiesArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection(
      CommunityConnection,
      await communitiesWithActivities(ctx, args, info).load(project),
    );
  }

  @FieldResolver(() => ActivityConnection, {
    description: "The project's activities; latest first by default.",
  })
  async activities(
    @Root() project: Project,
    @Args() args: ActivitiesArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection(
      ActivityConnection,
      await activitiesOfParent(ctx, 'project', args, selectedNodeFields(info)).load(project),
    );
  }

  @FieldResolver(() => MeasurementConnection, { description: "The project's measurements." })
  async measurements(
    @Root() project: Project,
    @Args() args: MeasurementsArgs,
    @Ctx() ctx: RequestContext,
  ) {
    return toConnection(
      MeasurementConnection,
      await measurementsOfParent(ctx, 'project', args).load(project),
    );
  }

  private async organisationIds(
    ctx: RequestContext,
    project: Project,
    role: string,
  ): Promise<string[]> {
    const links = await projectOrganisationLinks(ctx).load(project);
    return links.filter((link) => link.role === role).map((link) => link.organisationId);
  }

  private async organisations(ctx: RequestContext, project: Project, role: string) {
    const ids = await this.organisationIds(ctx, project, role);
    const organisations = await organisationById(ctx).loadMany(ids);
    return organisations.filter((o): o is Organisation => o !== null && !(o instanceof Error));
  }
}
