import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('User', { description: 'An enrolled person.' })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Identifier in the caller\'s own system; unique when set.' })
  externalId!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}
