import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import { UUIDResolver } from 'graphql-scalars';
import { LocalDateScalar } from '../../common/scalars';
import type { RequestContext } from '../../context';
import { Activity } from '../activity/activity.type';
import { Measurement } from '../measurement/measurement.type';
import { projectById } from '../project/project.loaders';
import { Project } from '../project/project.type';
import { PeriodAction } from './approval.entity';
import { recordHistory } from './approval.history';
import { periodOfRow } from './approval.loaders';
import {
  GrantLockExceptionInput,
  PeriodsTransitionInput,
  PeriodTransitionInput,
  ReportingPeriodsArgs,
  SetReportingPeriodLengthInput,
  UpdateApprovalSettingsInput,
} from './approval.inputs';
import { listPeriods, periodsOf } from './approval.periods';
import { type TransitionAction, transitionPeriods } from './approval.service';
import {
  approvalSettings,
  grantLockException,
  setReportingPeriodLength,
  updateApprovalSettings,
} from './approval.settings';
import {
  ApprovalSettings,
  HistoryEntry,
  LockException,
  PeriodTransitionResult,
  ReportingPeriod,
  ReportingPeriodConnection,
} from './approval.type';

const one = async (
  ctx: RequestContext,
  action: TransitionAction,
  input: PeriodTransitionInput,
): Promise<PeriodTransitionResult> =>
  (await transitionPeriods(ctx, action, [input], input.comment ?? null))[0]!;

const many = (ctx: RequestContext, action: TransitionAction, input: PeriodsTransitionInput) =>
  transitionPeriods(ctx, action, input.periods, input.comment ?? null);

@Resolver(() => ReportingPeriod)
export class ApprovalResolver {
  @Query(() => ReportingPeriod, {
    nullable: true,
    description:
      'The reporting period of a project holding a day, with its state and history; null if the project is hidden from you.',
  })
  async reportingPeriod(
    @Arg('projectId', () => UUIDResolver, { description: 'The project.' }) projectId: string,
    @Arg('date', () => LocalDateScalar, { description: 'Any day of the period.' }) date: string,
    @Ctx() ctx: RequestContext,
  ) {
    return (await periodsOf(ctx, [{ projectId, date }]))[0];
  }

  @Query(() => ReportingPeriodConnection, {
    description:
      'The periods of the projects you read that hold rows or were moved, oldest first; periods never written are DRAFT and not listed.',
  })
  async reportingPeriods(@Args() args: ReportingPeriodsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(ReportingPeriodConnection, await listPeriods(ctx, args));
  }

  @Query(() => ApprovalSettings, {
    nullable: true,
    description: 'A tenant’s approval settings (input window, self-approval).',
  })
  approvalSettings(
    @Arg('tenantCode', { description: 'The tenant’s country code.' }) tenantCode: string,
    @Ctx() ctx: RequestContext,
  ) {
    return approvalSettings(ctx, tenantCode);
  }

  @FieldResolver(() => Project, { description: 'The project.' })
  project(@Root() period: ReportingPeriod, @Ctx() ctx: RequestContext) {
    return projectById(ctx).load(period.projectId);
  }

  @Mutation(() => PeriodTransitionResult, {
    description:
      'Submits a period of a project for approval (DRAFT or RETURNED → SUBMITTED): writers of its rows.',
  })
  submitPeriod(
    @Arg('input', { description: 'The period.' }) input: PeriodTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return one(ctx, PeriodAction.SUBMIT, input);
  }

  @Mutation(() => PeriodTransitionResult, {
    description:
      'Approves a submitted period (SUBMITTED → APPROVED): tenant admins; keys need the approve and write scopes. Its rows then count in summaries and are read-only.',
  })
  approvePeriod(
    @Arg('input', { description: 'The period.' }) input: PeriodTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return one(ctx, PeriodAction.APPROVE, input);
  }

  @Mutation(() => PeriodTransitionResult, {
    description: 'Returns a submitted period to its partner with a comment (SUBMITTED → RETURNED).',
  })
  returnPeriod(
    @Arg('input', { description: 'The period and the comment.' }) input: PeriodTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return one(ctx, PeriodAction.RETURN, input);
  }

  @Mutation(() => PeriodTransitionResult, {
    description:
      'Unapproves an approved period with a reason (APPROVED → RETURNED): it is writable again and no longer counted as approved.',
  })
  unapprovePeriod(
    @Arg('input', { description: 'The period and the reason.' }) input: PeriodTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return one(ctx, PeriodAction.UNAPPROVE, input);
  }

  @Mutation(() => [PeriodTransitionResult], {
    description: 'Submits several periods in one transaction; says per period what happened.',
  })
  submitPeriods(
    @Arg('input', { description: 'The periods.' }) input: PeriodsTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return many(ctx, PeriodAction.SUBMIT, input);
  }

  @Mutation(() => [PeriodTransitionResult], {
    description: 'Approves several periods in one transaction; says per period what happened.',
  })
  approvePeriods(
    @Arg('input', { description: 'The periods.' }) input: PeriodsTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return many(ctx, PeriodAction.APPROVE, input);
  }

  @Mutation(() => [PeriodTransitionResult], {
    description: 'Returns several periods with one comment; says per period what happened.',
  })
  returnPeriods(
    @Arg('input', { description: 'The periods and the comment.' }) input: PeriodsTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return many(ctx, PeriodAction.RETURN, input);
  }

  @Mutation(() => [PeriodTransitionResult], {
    description: 'Unapproves several periods with one reason; says per period what happened.',
  })
  unapprovePeriods(
    @Arg('input', { description: 'The periods and the reason.' }) input: PeriodsTransitionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return many(ctx, PeriodAction.UNAPPROVE, input);
  }

  @Mutation(() => ApprovalSettings, {
    description: 'Changes a tenant’s approval settings: its admins.',
  })
  updateApprovalSettings(
    @Arg('input', { description: 'The settings.' }) input: UpdateApprovalSettingsInput,
    @Ctx() ctx: RequestContext,
  ) {
    return updateApprovalSettings(ctx, input);
  }

  @Mutation(() => LockException, {
    description:
      'Reopens a period closed by the input window for one project until a time: the tenant’s admins. Approved periods are unapproved instead.',
  })
  grantLockException(
    @Arg('input', { description: 'The period, until when and why.' })
    input: GrantLockExceptionInput,
    @Ctx() ctx: RequestContext,
  ) {
    return grantLockException(ctx, input);
  }

  @Mutation(() => Boolean, {
    description:
      'Sets the length of a project’s reporting periods (default QUARTER), while none of them has been submitted or approved.',
  })
  setReportingPeriodLength(
    @Arg('input', { description: 'The project and the length.' })
    input: SetReportingPeriodLengthInput,
    @Ctx() ctx: RequestContext,
  ) {
    return setReportingPeriodLength(ctx, input);
  }
}

@Resolver(() => Activity)
export class ActivityHistoryResolver {
  @FieldResolver(() => [HistoryEntry], {
    description:
      'Who changed this activity what and when (from the audit log), and the state changes of its period with their comments; oldest first.',
  })
  history(@Root() row: Activity, @Ctx() ctx: RequestContext) {
    return recordHistory(ctx, 'Activity').load({ ...row, date: row.startDate });
  }

  @FieldResolver(() => ReportingPeriod, {
    nullable: true,
    description: 'The reporting period it lies in (by its start date), with its approval state.',
  })
  reportingPeriod(@Root() row: Activity, @Ctx() ctx: RequestContext) {
    return periodOfRow(ctx).load({ projectId: row.projectId, date: row.startDate });
  }
}

@Resolver(() => Measurement)
export class MeasurementHistoryResolver {
  @FieldResolver(() => [HistoryEntry], {
    description:
      'Who changed this measurement what and when (from the audit log), and the state changes of its period with their comments; oldest first.',
  })
  history(@Root() row: Measurement, @Ctx() ctx: RequestContext) {
    return recordHistory(ctx, 'Measurement').load({ ...row, date: row.measuredOn });
  }

  @FieldResolver(() => ReportingPeriod, {
    nullable: true,
    description: 'The reporting period it lies in (by measuredOn), with its approval state.',
  })
  reportingPeriod(@Root() row: Measurement, @Ctx() ctx: RequestContext) {
    return periodOfRow(ctx).load({ projectId: row.projectId, date: row.measuredOn });
  }
}
