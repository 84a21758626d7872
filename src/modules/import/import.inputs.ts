import { ArrayMaxSize, ArrayMinSize } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { FORCE_DESCRIPTION, KeyedByExternalId } from '../../common/project-row-inputs';
import { IsCleanText } from '../../common/validation';
import { ActivityValuesInput } from '../activity/activity.inputs';
import { MeasurementValuesInput } from '../measurement/measurement.inputs';

/** Items per import: enough for a season of one partner, small enough for one transaction. */
export const MAX_IMPORT_ITEMS = 1000;

@InputType({ description: 'One activity of a bulk import, keyed by your own id.' })
export class ActivityImportItem extends KeyedByExternalId(ActivityValuesInput) {}

@InputType({ description: 'One measurement of a bulk import, keyed by your own id.' })
export class MeasurementImportItem extends KeyedByExternalId(MeasurementValuesInput) {}

/*
 * The items are deliberately not validated with the request (no @ValidateNested): each is
 * validated on its own by the import, so one bad item is one INVALID result, not a refused
 * request.
 */

@InputType({ description: 'The options every bulk import takes.' })
export class ImportOptionsInput {
  @Field({ description: 'Country code of the tenant all items belong to.' })
  @IsCleanText(2)
  tenantCode!: string;

  @Field({
    description:
      'Your key for this request (1–200 characters). Re-sending it with the same body returns the stored result and writes nothing; with another body it is CONFLICT. Kept at least 24 hours.',
  })
  @IsCleanText(200)
  idempotencyKey!: string;

  @Field({ defaultValue: false, description: 'Check and report every item, write nothing.' })
  dryRun!: boolean;

  @Field({
    defaultValue: false,
    description: 'Write nothing unless every item is valid (otherwise valid items are written).',
  })
  atomic!: boolean;

  @Field({ defaultValue: false, description: FORCE_DESCRIPTION })
  force!: boolean;
}

@InputType({ description: 'A bulk import of activities (up to 1,000).' })
export class ImportActivitiesInput extends ImportOptionsInput {
  @Field(() => [ActivityImportItem], { description: 'The activities, keyed by externalId.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_ITEMS)
  items!: ActivityImportItem[];
}

@InputType({ description: 'A bulk import of measurements (up to 1,000).' })
export class ImportMeasurementsInput extends ImportOptionsInput {
  @Field(() => [MeasurementImportItem], { description: 'The measurements, keyed by externalId.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_ITEMS)
  items!: MeasurementImportItem[];
}
