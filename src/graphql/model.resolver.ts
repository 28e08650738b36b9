import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';

import type { ModelRecord } from '../domain.js';
import type { GraphQLContext } from './context.js';
import { toJobType } from './job.resolver.js';
import { JobType } from './job.type.js';
import { ModelType } from './model.type.js';

/** ModelRecord's status is a string union; the GraphQL enum has the same values. */
export function toModelType(model: ModelRecord): ModelType {
  return model as unknown as ModelType;
}

@Resolver(() => ModelType)
export class ModelResolver {
  @Query(() => [ModelType], { description: 'Every model version, in any status.' })
  async models(@Ctx() ctx: GraphQLContext): Promise<ModelType[]> {
    return (await ctx.services.models.listModels()).map(toModelType);
  }

  @Query(() => ModelType, { description: 'The newest READY version of name, or the given version in any status; NOT_FOUND when there is none.' })
  async model(
    @Ctx() ctx: GraphQLContext,
    @Arg('name', () => String) name: string,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): Promise<ModelType> {
    return toModelType(await ctx.services.models.getModel(name, version));
  }

  @Query(() => ModelType, { nullable: true, description: 'The model queries use when no model is named; null before the first training succeeds.' })
  async activeModel(@Ctx() ctx: GraphQLContext): Promise<ModelType | null> {
    const model = await ctx.services.models.getActiveModel();
    return model === null ? null : toModelType(model);
  }

  @Mutation(() => JobType, {
    description:
      'Queues a reembed job that embeds every stored face with this READY version, then makes it the active model in one transaction. ' +
      'Searches use the current active model until then. NOT_FOUND for an unknown version, MODEL_NOT_READY for one that is not READY.',
  })
  async activateModel(
    @Ctx() ctx: GraphQLContext,
    @Arg('name', () => String) name: string,
    @Arg('version', () => Int) version: number,
  ): Promise<JobType> {
    return toJobType(await ctx.services.models.activateModel(name, version));
  }

  @Mutation(() => ModelType, {
    description: 'Deletes a model version with its vectors and files and returns it as it was. CONFLICT for the active model and for a version still training.',
  })
  async deleteModel(
    @Ctx() ctx: GraphQLContext,
    @Arg('name', () => String) name: string,
    @Arg('version', () => Int) version: number,
  ): Promise<ModelType> {
    return toModelType(await ctx.services.models.deleteModel(name, version));
  }
}
