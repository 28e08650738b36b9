import { DateTimeResolver } from 'graphql-scalars';
import { Field, Float, ID, ObjectType } from 'type-graphql';

import { BoxType } from './geometry.type.js';

@ObjectType('Face', { description: 'A face stored with an enrolment image.' })
export class FaceType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  imageId!: string;

  @Field(() => BoxType)
  box!: BoxType;

  @Field(() => [[Float]], { description: '68 landmarks as [x, y] pixel pairs, iBUG 300-W order.' })
  landmarks!: Array<[number, number]>;

  @Field(() => Float, { description: 'Detector confidence, 0..1.' })
  score!: number;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}
