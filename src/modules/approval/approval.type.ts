import { GraphQLJSONObject, UUIDResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';
import { LocalDateScalar } from '../../common/scalars';
import { Project } from '../project/project.type';
import {
  ApprovalState,
  PeriodAction,
  ReportingPeriodLength,
  SelfApproval,
} from './approval.entity';

registerEnumType(ApprovalState, {
  name: 'ApprovalState',
  description: 'Where a reporting period (and each of its rows) stands in the approval workflow.',
  valuesConfig: {
    DRAFT: { description: 'Being recorded; not counted in summaries by default.' },
    SUBMITTED: { description: 'Submitted for approval; still writable until approved.' },
    APPROVED: { description: 'Approved: counted in summaries, read-only until unapproved.' },
    RETURNED: { description: 'Returned to the partner with a comment, to fix and resubmit.' },
  },
});

registerEnumType(ReportingPeriodLength, {
  name: 'ReportingPeriodLength',
  description: 'How long a project’s reporting periods are (calendar months, quarters or years).',
  valuesConfig: {
    MONTH: { description: 'Calendar months.' },
    QUARTER: { description: 'Calendar quarters (the default).' },
    YEAR: { description: 'Calendar years.' },
  },
});

registerEnumType(SelfApproval, {
  name: 'SelfApproval',
  description: 'Whether an organisation may approve a period it submitted itself.',
  valuesConfig: {
    NEVER: { description: 'Never: another organisation must approve.' },
    WHEN_ONLY_ORGANISATION: {
      description:
        'Only when it is the only organisation taking part in the tenant’s projects (the default).',
    },
    ALWAYS: { description: 'Always.' },
  },
});

registerEnumType(PeriodAction, {
  name: 'PeriodAction',
  description: 'A move of a reporting period from one state to another.',
  valuesConfig: {
    SUBMIT: { description: 'Submitted for approval.' },
    APPROVE: { description: 'Approved.' },
    RETURN: { description: 'Returned with a comment.' },
    UNAPPROVE: { description: 'Unapproved with a reason (back to RETURNED).' },
    MIGRATE: { description: 'Approved when approval was introduced (rows recorded before it).' },
  },
});

/** How one period of one project fared in a (bulk) transition. */
export enum TransitionStatus {
  DONE = 'DONE',
  UNCHANGED = 'UNCHANGED',
  REFUSED = 'REFUSED',
}

registerEnumType(TransitionStatus, {
  name: 'TransitionStatus',
  description: 'What a transition did to one period.',
  valuesConfig: {
    DONE: { description: 'The period moved to its new state.' },
    UNCHANGED: { description: 'The period was already in that state; nothing changed.' },
    REFUSED: { description: 'Refused; `code` and `message` say why. Nothing changed.' },
  },
});

@ObjectType({ description: 'One move of a reporting period, as its history records it.' })
export class PeriodTransition {
  @Field(() => PeriodAction, { description: 'What was done.' })
  action!: PeriodAction;

  @Field(() => ApprovalState, { description: 'The state before.' })
  fromState!: ApprovalState;

  @Field(() => ApprovalState, { description: 'The state after.' })
  toState!: ApprovalState;

  @Field(() => String, { nullable: true, description: 'The comment or reason given.' })
  comment!: string | null;

  @Field({ description: 'Who did it: `user:<id>`, `apikey:<id>` or `system:migration`.' })
  actor!: string;

  @Field(() => ID, { nullable: true, description: 'The organisation it acted for, if any.' })
  organisationId!: string | null;

  @Field({ description: 'When.' })
  at!: Date;
}

@ObjectType({
  description:
    'A reporting period of one project (a calendar month, quarter or year, chosen per project): its approval state, who moved it, and its history.',
})
export class ReportingPeriod {
  tenantId!: string;
  projectId!: string;

  @Field(() => UUIDResolver, {
    description:
      'Stable identifier, derived from the project and the first day: the changes feed and webhook payloads name the period by it.',
  })
  id!: string;

  @Field(() => Project, { description: 'The project.' })
  project?: Project;

  @Field(() => LocalDateScalar, { description: 'First day of the period.' })
  start!: string;

  @Field(() => LocalDateScalar, { description: 'Last day of the period.' })
  end!: string;

  @Field(() => ApprovalState, { description: 'Its state (DRAFT when nothing happened yet).' })
  state!: ApprovalState;

  @Field(() => Int, { description: 'Increases with every transition.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'Who last submitted it.' })
  submittedBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was last submitted.' })
  submittedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Who approved it (while APPROVED).' })
  approvedBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was approved (while APPROVED).' })
  approvedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why it was returned or unapproved (while RETURNED).',
  })
  returnedReason!: string | null;

  @Field(() => [PeriodTransition], {
    description: 'Every transition, oldest first, with its comment.',
  })
  history!: PeriodTransition[];

  @Field(() => Date, {
    nullable: true,
    description: 'Until when a lock exception reopens its input window, if one is in force.',
  })
  lockExceptionUntil!: Date | null;
}

export const ReportingPeriodConnection = Connection(ReportingPeriod, 'ReportingPeriod');

@ObjectType({ description: 'What a transition did to one period of one project.' })
export class PeriodTransitionResult {
  @Field(() => ID, { description: 'The project asked for.' })
  projectId!: string;

  @Field(() => LocalDateScalar, { description: 'The day asked for (any day of the period).' })
  date!: string;

  @Field(() => TransitionStatus, { description: 'Done, unchanged or refused.' })
  status!: TransitionStatus;

  @Field(() => ReportingPeriod, {
    nullable: true,
    description: 'The period after the transition; null when refused.',
  })
  period!: ReportingPeriod | null;

  @Field(() => Int, { description: 'Activities of the period that now carry its state.' })
  activities!: number;

  @Field(() => Int, { description: 'Measurements of the period that now carry its state.' })
  measurements!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Why it was refused, as an error code (FORBIDDEN, NOT_FOUND, CONFLICT, BAD_USER_INPUT).',
  })
  code!: string | null;

  @Field(() => String, { nullable: true, description: 'What to do about a refusal.' })
  message!: string | null;
}

@ObjectType({ description: 'A tenant’s approval settings.' })
export class ApprovalSettings {
  @Field({ description: 'The tenant’s country code.' })
  tenantCode!: string;

  @Field(() => Int, {
    description:
      'Days after a period’s end during which it still accepts input (from its start); 0: always open.',
  })
  inputWindowDays!: number;

  @Field(() => SelfApproval, {
    description: 'Whether an organisation may approve its own submission.',
  })
  selfApproval!: SelfApproval;
}

@ObjectType({
  description: 'A lock exception: a closed input window reopened for one project’s period.',
})
export class LockException {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field(() => ReportingPeriod, { description: 'The period reopened.' })
  period!: ReportingPeriod;

  @Field({ description: 'Until when it accepts input again.' })
  until!: Date;

  @Field({ description: 'Why it was granted.' })
  reason!: string;
}

@ObjectType({ description: 'One change of a record, from the audit log.' })
export class HistoryEntry {
  @Field({ description: 'When.' })
  at!: Date;

  @Field({
    description: 'What was done: CREATE, UPDATE, DELETE, RESTORE, or PERIOD_* for transitions.',
  })
  action!: string;

  @Field({ description: 'Who did it: `user:<id>` or `apikey:<id>`.' })
  actor!: string;

  @Field(() => ID, { nullable: true, description: 'The organisation it acted for.' })
  organisationId!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields before.' })
  before!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Changed fields after.' })
  after!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'The comment of a state change.' })
  comment!: string | null;
}
