import type DataLoader from 'dataloader';
import { byIdLoader, perParentLoader, type ParentKey } from '../../common/loader';
import type { RequestContext } from '../../context';
import { organisationLinks, type ProjectOrganisationLink, projectsByIds } from './project.service';
import type { Project } from './project.type';

export const projectById = (ctx: RequestContext): DataLoader<string, Project | null> =>
  ctx.loader('project.byId', () => byIdLoader((ids) => projectsByIds(ctx, ids)));

/** Each project's implementer, donor and partner links. */
export const projectOrganisationLinks = (
  ctx: RequestContext,
): DataLoader<ParentKey, ProjectOrganisationLink[], string> =>
  perParentLoader(ctx, 'project.organisations', {}, async (projects) => {
    const links = await organisationLinks(ctx, projects);
    return projects.map((p) => links.filter((link) => link.projectId === p.id));
  });
