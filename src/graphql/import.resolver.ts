import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';

import type { GraphQLContext } from './context.js';
import { ImageInput } from './image.input.js';
import { toJobType } from './job.resolver.js';
import { JobType } from './job.type.js';

@Resolver()
export class ImportResolver {
  @Mutation(() => JobType, {
    description:
      'Stores 1 to 100 images of a user with a QUEUED import job and returns the job at once. A worker enrols them as addImage would; ' +
      'the job result lists each image\'s imageId or error code. The stored images are deleted when the job ends or the user is deleted.',
  })
  async importImages(
    @Ctx() ctx: GraphQLContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('images', () => [ImageInput]) images: ImageInput[],
  ): Promise<JobType> {
    return toJobType(await ctx.services.import.importImages(userId, images));
  }
}
