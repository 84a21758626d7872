import { Arg, type ClassType, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../context';
import { communityById } from '../modules/community/community.loaders';
import { Community } from '../modules/community/community.type';
import { projectById } from '../modules/project/project.loaders';
import { Project } from '../modules/project/project.type';
import { tenantById } from '../modules/tenant/tenant.loaders';
import { Tenant } from '../modules/tenant/tenant.type';
import type { AnyKind } from './project-row-kind';
import { deleteRow, restoreRow, updateRow } from './project-row-writes';
import type { ProjectRowType } from './project-row.type';
import { DeleteProjectRowInput } from './project-row-inputs';
import { RestoreRowInput, type VersionedRowInput } from './write-inputs';

/** What the shared resolver needs of a kind of project row (activities, measurements). */
export type ProjectRowResolverOptions<T extends ProjectRowType, U extends VersionedRowInput> = {
  /** The GraphQL type, and its name in the mutations (`updateActivity`, …). */
  type: ClassType<T>;
  name: string;
  /** The noun in descriptions (`activity`). */
  noun: string;
  kind: AnyKind<T, U>;
  updateInput: ClassType<U>;
  /** What the row's project and community are to it, for their descriptions. */
  describe: { project: string; community: string };
  /** What an update does beyond the row itself, in the same transaction (its translations). */
  afterUpdate?: (ctx: RequestContext, input: U, row: T) => Promise<void>;
};

/**
 * The mutations and relation fields every kind of project row has, declared once: update,
 * soft delete and restore through the shared writes, and the tenant, project and community
 * through the request's loaders. Each module's resolver extends it with its list, lookup,
 * create and its own relations.
 */
export function ProjectRowResolver<T extends ProjectRowType, U extends VersionedRowInput>(
  options: ProjectRowResolverOptions<T, U>,
) {
  const { type, name, noun, kind, updateInput, describe, afterUpdate } = options;

  // Not listed among the schema's resolvers: its fields reach the schema through the subclasses.
  @Resolver(() => type)
  abstract class ProjectRowResolverBase {
    @Mutation(() => type, {
      name: `update${name}`,
      description: `Changes ${article(noun)} ${noun}; CONFLICT with currentVersion when expectedVersion is stale.`,
    })
    async update(
      @Arg('input', () => updateInput, {
        description: `Which ${noun}, at which version, and what to change.`,
      })
      input: U,
      @Ctx() ctx: RequestContext,
    ) {
      const row = await updateRow(ctx, kind, input);
      if (afterUpdate) await afterUpdate(ctx, input, row);
      return row;
    }

    @Mutation(() => type, {
      name: `delete${name}`,
      description: `Deletes ${article(noun)} ${noun} softly: hidden from reads, restorable by tenant admins.`,
    })
    delete(
      @Arg('input', () => DeleteProjectRowInput, {
        description: `Which ${noun}, at which version.`,
      })
      input: DeleteProjectRowInput,
      @Ctx() ctx: RequestContext,
    ) {
      return deleteRow(ctx, kind, input);
    }

    @Mutation(() => type, {
      name: `restore${name}`,
      description: `Restores a deleted ${noun} (tenant admins).`,
    })
    restore(
      @Arg('input', () => RestoreRowInput, {
        description: `Which deleted ${noun}, at which version.`,
      })
      input: RestoreRowInput,
      @Ctx() ctx: RequestContext,
    ) {
      return restoreRow(ctx, kind, input);
    }

    @FieldResolver(() => Tenant, { description: `The tenant (country) of the ${noun}.` })
    tenant(@Root() row: T, @Ctx() ctx: RequestContext) {
      return tenantById(ctx).load(row.tenantId);
    }

    @FieldResolver(() => Project, { description: describe.project })
    project(@Root() row: T, @Ctx() ctx: RequestContext) {
      return projectById(ctx).load(row.projectId);
    }

    @FieldResolver(() => Community, { nullable: true, description: describe.community })
    community(@Root() row: T, @Ctx() ctx: RequestContext) {
      return row.communityId ? communityById(ctx).load(row.communityId) : null;
    }
  }
  return ProjectRowResolverBase;
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}
