import { Connection } from '../../common/connection';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({
  description: 'A country in which the programme runs; every programme row belongs to one.',
})
export class Tenant {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code, e.g. TJ, KG, UZ.' })
  code!: string;

  @Field({ description: 'Country name.' })
  name!: string;

  @Field({ description: 'Default locale for names and reports (BCP 47, e.g. tg, ky, uz).' })
  defaultLocale!: string;

  @Field({ description: 'IANA time zone of the country office, e.g. Asia/Dushanbe.' })
  timezone!: string;
}

export const TenantConnection = Connection(Tenant, 'Tenant');
