import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';

import type { GraphQLContext } from './context.js';
import { toJobType } from './job.resolver.js';
import { JobType } from './job.type.js';
import { TrainOptionsInput } from './train-options.input.js';

@Resolver()
export class TrainingResolver {
  @Mutation(() => JobType, {
    description:
      'Queues the training of the next version of a model from every enrolled face and returns the QUEUED train job at once. ' +
      'When the job succeeds, every stored face has a vector from the new version and it is the active model.',
  })
  async trainModel(
    @Ctx() ctx: GraphQLContext,
    @Arg('name', () => String) name: string,
    @Arg('options', () => TrainOptionsInput, { nullable: true }) options?: TrainOptionsInput | null,
  ): Promise<JobType> {
    return toJobType(await ctx.services.training.trainModel(name, options));
  }
}
