import { Field, Float, InputType, Int } from 'type-graphql';

import { TRAIN_OPTION_RANGES } from '../engine/types.js';

const { branchEpochs, autoencoderEpochs, validationFraction } = TRAIN_OPTION_RANGES;

@InputType({ description: 'Training settings; omitted ones take the engine\'s defaults.' })
export class TrainOptionsInput {
  @Field(() => Int, { nullable: true, description: `Epochs for each branch's identity classifier, ${branchEpochs.min}..${branchEpochs.max}.` })
  branchEpochs?: number | null;

  @Field(() => Int, { nullable: true, description: `Epochs for each auto-encoder layer, ${autoencoderEpochs.min}..${autoencoderEpochs.max}.` })
  autoencoderEpochs?: number | null;

  @Field(() => Float, { nullable: true, description: `Fraction of identities held out to calibrate thresholds, ${validationFraction.min}..${validationFraction.max}.` })
  validationFraction?: number | null;

  @Field(() => Int, { nullable: true, description: 'Random seed, so a retrain on the same data gives the same model.' })
  seed?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Start from the shipped base model\'s weights (default true), so a few people refine it; false trains from scratch.',
  })
  fromBaseModel?: boolean | null;
}
