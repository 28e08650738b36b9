import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ModelStatusEnum {
  TRAINING = 'TRAINING',
  READY = 'READY',
  FAILED = 'FAILED',
}

registerEnumType(ModelStatusEnum, { name: 'ModelStatus', description: 'Life cycle of a model version.' });

@ObjectType('Thresholds', { description: 'Cosine similarities at which the model accepts a pair, calibrated on held-out pairs.' })
export class ThresholdsType {
  @Field(() => Float, { nullable: true, description: 'Similarity at a false accept rate of 1 %.' })
  far1!: number | null;

  @Field(() => Float, { nullable: true, description: 'Similarity at a false accept rate of 0.1 %.' })
  far01!: number | null;
}

@ObjectType('Model', { description: 'One trained version of a named model.' })
export class ModelType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => ModelStatusEnum)
  status!: ModelStatusEnum;

  @Field(() => Boolean, { description: 'True for the one model queries use when no model is named.' })
  active!: boolean;

  @Field(() => JSONObjectResolver)
  metrics!: Record<string, unknown>;

  @Field(() => ThresholdsType)
  thresholds!: ThresholdsType;

  @Field(() => JSONObjectResolver)
  config!: Record<string, unknown>;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}
