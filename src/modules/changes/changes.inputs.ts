import { Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, Int } from 'type-graphql';

@ArgsType()
export class ChangesArgs {
  @Field({ description: 'The tenant (country code) whose changes to read, e.g. TJ.' })
  @MaxLength(8)
  tenantCode!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The `cursor` of the previous answer; omit it to get the current state as upserts first.',
  })
  @MaxLength(20_000)
  since?: string | null;

  @Field(() => Int, { defaultValue: 100, description: 'At most this many changes (1–500).' })
  @Min(1)
  @Max(500)
  first!: number;
}
