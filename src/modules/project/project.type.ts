import { Field, ID, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { Connection } from '../../common/connection';
import { LocalDateScalar } from '../../common/scalars';
import { ProjectStatus } from './project.entity';
import { PROJECT_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { AnsweredIn, Translated } from '../translation/translation.fields';

registerEnumType(ProjectStatus, {
  name: 'ProjectStatus',
  description: 'Where a project is in its life.',
  valuesConfig: {
    PLANNED: { description: 'Not started yet.' },
    ACTIVE: { description: 'Running.' },
    CLOSED: { description: 'Finished.' },
  },
});

@ObjectType({
  description: 'A programme project run in one tenant, e.g. "Living with Dignity" in Tajikistan.',
})
export class Project {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;

  @Field({
    description:
      'The language its texts are written in (BCP 47); other languages are translations of them.',
  })
  sourceLanguage!: string;

  @Field({ description: 'Short code, unique in its tenant, e.g. LWD-TJ.' })
  code!: string;

  @Field({ description: "Name of the project, in the request's language where it has one." })
  @UseMiddleware(Translated(PROJECT_TEXTS, TranslatedField.NAME))
  name!: string;

  @Field(() => String, {
    description:
      "The language `name` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(PROJECT_TEXTS, TranslatedField.NAME))
  nameLanguage?: string;

  @Field(() => String, {
    nullable: true,
    description: "What the project does, in the request's language where it has one.",
  })
  @UseMiddleware(Translated(PROJECT_TEXTS, TranslatedField.DESCRIPTION))
  description!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The language `description` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(PROJECT_TEXTS, TranslatedField.DESCRIPTION))
  descriptionLanguage?: string | null;

  @Field(() => ProjectStatus, { description: 'Planned, active or closed.' })
  status!: ProjectStatus;

  @Field(() => LocalDateScalar, { description: 'First day of the project.' })
  startDate!: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Last day of the project, if set.',
  })
  endDate!: string | null;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency on updates.' })
  version!: number;

  @Field({ description: 'When the row was created.' })
  createdAt!: Date;

  @Field({ description: 'When the row was last changed.' })
  updatedAt!: Date;
}

export const ProjectConnection = Connection(Project, 'Project');
