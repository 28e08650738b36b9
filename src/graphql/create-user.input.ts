import { Field, InputType } from 'type-graphql';

@InputType()
export class CreateUserInput {
  @Field(() => String, { description: 'Display name; surrounding whitespace is trimmed and it must not be empty.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Identifier in the caller\'s own system; must be unique.' })
  externalId?: string | null;
}
