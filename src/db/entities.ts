import { ActivityEntity } from '../modules/activity/activity.entity';
import {
  ApprovalSettingsEntity,
  LockExceptionEntity,
  PeriodTransitionEntity,
  ReportingPeriodEntity,
} from '../modules/approval/approval.entity';
import { ApiKeyEntity } from '../modules/api-key/api-key.entity';
import { AuditEventEntity } from '../modules/audit/audit-event.entity';
import { ChangeFeedKeyEntity, ChangeLogEntity } from '../modules/changes/change-log.entity';
import { CommunityEntity, ProjectCommunityEntity } from '../modules/community/community.entity';
import { IdempotencyKeyEntity } from '../modules/import/idempotency-key.entity';
import { IndicatorEntity } from '../modules/indicator/indicator.entity';
import { MeasurementEntity } from '../modules/measurement/measurement.entity';
import { MembershipEntity } from '../modules/membership/membership.entity';
import { OrganisationEntity } from '../modules/organisation/organisation.entity';
import { OutcomeRecordKeyEntity } from '../modules/outcome/outcome-record-key.entity';
import { OutcomeSeriesEntity } from '../modules/outcome/outcome-series.entity';
import { OutcomeTotalsEntity } from '../modules/outcome/outcome-totals.entity';
import { ProjectEntity, ProjectOrganisationEntity } from '../modules/project/project.entity';
import { ImportJobEntity, ImportJobRowEntity } from '../modules/spreadsheet/spreadsheet-job.entity';
import { SharingAgreementEntity } from '../modules/sharing-agreement/sharing-agreement.entity';
import { TenantEntity } from '../modules/tenant/tenant.entity';
import {
  GlobalTranslationEntity,
  TranslationEntity,
} from '../modules/translation/translation.entity';
import { UserEntity } from '../modules/user/user.entity';
import {
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
  WebhookDispatchPositionEntity,
  WebhookEndpointEntity,
  WebhookEndpointSecretEntity,
} from '../modules/webhook/webhook.entity';

/** Every TypeORM entity, for the data source. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the type DataSourceOptions.entities takes
export const ENTITIES: Function[] = [
  TenantEntity,
  OrganisationEntity,
  UserEntity,
  MembershipEntity,
  ProjectEntity,
  ProjectOrganisationEntity,
  CommunityEntity,
  ProjectCommunityEntity,
  IndicatorEntity,
  ActivityEntity,
  MeasurementEntity,
  ApiKeyEntity,
  AuditEventEntity,
  SharingAgreementEntity,
  IdempotencyKeyEntity,
  OutcomeSeriesEntity,
  OutcomeTotalsEntity,
  OutcomeRecordKeyEntity,
  ApprovalSettingsEntity,
  ReportingPeriodEntity,
  PeriodTransitionEntity,
  LockExceptionEntity,
  TranslationEntity,
  GlobalTranslationEntity,
  ChangeLogEntity,
  ChangeFeedKeyEntity,
  WebhookEndpointEntity,
  WebhookEndpointSecretEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  WebhookDispatchPositionEntity,
  ImportJobEntity,
  ImportJobRowEntity,
];
