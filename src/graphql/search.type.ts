import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';

import { BoxType } from './geometry.type.js';
import { ModelType } from './model.type.js';
import { UserType } from './user.type.js';

@ObjectType('DetectedFace', { description: 'A face found in a query image, with its vector.' })
export class DetectedFaceType {
  @Field(() => BoxType)
  box!: BoxType;

  @Field(() => Float, { description: 'Detector confidence, 0..1.' })
  score!: number;

  @Field(() => [[Float]], { description: '68 landmarks as [x, y] pixel pairs, iBUG 300-W order.' })
  landmarks!: Array<[number, number]>;

  @Field(() => [Float], { description: '512-d L2-normalised face vector.' })
  vector!: number[];
}

@ObjectType('Match', { description: 'An enrolled face near a query face.' })
export class MatchType {
  @Field(() => UserType)
  user!: UserType;

  @Field(() => ID)
  imageId!: string;

  @Field(() => ID)
  faceId!: string;

  @Field(() => Float, { description: 'Cosine similarity, 1 - distance.' })
  similarity!: number;

  @Field(() => Float, { description: 'Cosine distance, 0..2.' })
  distance!: number;
}

@ObjectType('FaceMatches', { description: 'A face found in a query image with the nearest enrolled faces, nearest first.' })
export class FaceMatchesType {
  @Field(() => BoxType)
  box!: BoxType;

  @Field(() => Float)
  score!: number;

  @Field(() => [MatchType])
  matches!: MatchType[];

  @Field(() => Float, { nullable: true, description: 'Cosine similarity a match needs to identify this face; null when no threshold applies.' })
  threshold!: number | null;

  @Field(() => MatchType, { nullable: true, description: 'The nearest match when it reaches the threshold; null when the face is unknown or no threshold applies.' })
  identity!: MatchType | null;

  @Field(() => Boolean, { nullable: true, description: 'True when no enrolled face reaches the threshold; null when no threshold applies.' })
  unknown!: boolean | null;

  @Field(() => ModelType, { description: 'The model version that embedded the query and the matches; every match comes from this one model.' })
  model!: ModelType;
}

export enum FalseAcceptRateEnum {
  FAR_1_PERCENT = 'FAR_1_PERCENT',
  FAR_0_1_PERCENT = 'FAR_0_1_PERCENT',
}

registerEnumType(FalseAcceptRateEnum, {
  name: 'FalseAcceptRate',
  description: 'A false accept rate at which models calibrate a similarity threshold on held-out pairs.',
});

@ObjectType('Verification', { description: 'Whether the largest faces of two images are the same person.' })
export class VerificationType {
  @Field(() => Float, { description: 'Cosine similarity of the two face vectors, -1..1.' })
  similarity!: number;

  @Field(() => Boolean, { nullable: true, description: 'similarity >= threshold; null when the model has no calibrated threshold.' })
  match!: boolean | null;

  @Field(() => Float, { nullable: true, description: 'The model\'s similarity threshold at 1 % false accept rate.' })
  threshold!: number | null;
}
