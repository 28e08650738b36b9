import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';

import type { TrainingJob } from '../domain.js';
import type { GraphQLContext } from './context.js';
import { toModelType } from './model.resolver.js';
import { ModelType } from './model.type.js';
import { TrainOptionsInput } from './train-options.input.js';
import { TrainingJobType } from './training-job.type.js';

/** TrainingJob's status is a string union; the GraphQL enum has the same values. */
function toJobType(job: TrainingJob): TrainingJobType {
  return job as unknown as TrainingJobType;
}

@Resolver(() => TrainingJobType)
export class TrainingResolver {
  @Mutation(() => TrainingJobType, {
    description:
      'Queues the training of the next version of a model from every enrolled face and returns the QUEUED job at once. ' +
      'When the job succeeds, the new version becomes the active model.',
  })
  async trainModel(
    @Ctx() ctx: GraphQLContext,
    @Arg('name', () => String) name: string,
    @Arg('options', () => TrainOptionsInput, { nullable: true }) options?: TrainOptionsInput | null,
  ): Promise<TrainingJobType> {
    return toJobType(await ctx.services.training.trainModel(name, options));
  }

  @Query(() => TrainingJobType, { description: 'One training job; NOT_FOUND when the id matches none.' })
  async trainingJob(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<TrainingJobType> {
    return toJobType(await ctx.services.training.getTrainingJob(id));
  }

  @Query(() => [TrainingJobType], { description: 'Training jobs; limit 1 to FACEMATCH_MAX_PAGE_SIZE (default 500), 50 when omitted.' })
  async trainingJobs(
    @Ctx() ctx: GraphQLContext,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<TrainingJobType[]> {
    return (await ctx.services.training.listTrainingJobs({ limit, offset })).map(toJobType);
  }

  @FieldResolver(() => ModelType, { nullable: true, description: 'The model version the job created; null until it has one.' })
  async model(@Root() job: TrainingJobType, @Ctx() ctx: GraphQLContext): Promise<ModelType | null> {
    if (job.modelId === null) {
      return null;
    }
    const model = await ctx.services.models.getModelById(job.modelId);
    return model === null ? null : toModelType(model);
  }
}
