import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';

import type { Job } from '../domain.js';
import type { GraphQLContext } from './context.js';
import { JobKindEnum, JobStatusEnum, JobType, WorkerType } from './job.type.js';
import { toModelType } from './model.resolver.js';
import { ModelType } from './model.type.js';

/** Job's kind and status are string unions; the GraphQL enums have the same values. */
export function toJobType(job: Job): JobType {
  return job as unknown as JobType;
}

@Resolver(() => JobType)
export class JobResolver {
  @Query(() => JobType, { description: 'One job of any kind; NOT_FOUND when the id matches none.' })
  async job(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<JobType> {
    return toJobType(await ctx.services.jobs.getJob(id));
  }

  @Query(() => JobType, { description: 'One job, as job(id); kept for clients of the training API.' })
  async trainingJob(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<JobType> {
    return toJobType(await ctx.services.jobs.getJob(id));
  }

  @Query(() => [JobType], { description: 'Jobs, newest first, optionally of one kind and status; limit 1..500 (default 50).' })
  async jobs(
    @Ctx() ctx: GraphQLContext,
    @Arg('kind', () => JobKindEnum, { nullable: true }) kind?: JobKindEnum | null,
    @Arg('status', () => JobStatusEnum, { nullable: true }) status?: JobStatusEnum | null,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<JobType[]> {
    return (await ctx.services.jobs.listJobs({ kind, status }, { limit, offset })).map(toJobType);
  }

  @Query(() => [JobType], { description: 'Train jobs, newest first; limit 1..500 (default 50).' })
  async trainingJobs(
    @Ctx() ctx: GraphQLContext,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<JobType[]> {
    return (await ctx.services.jobs.listJobs({ kind: 'train' }, { limit, offset })).map(toJobType);
  }

  @Mutation(() => JobType, {
    description:
      'Cancels a QUEUED job at once (status CANCELLED), or asks a RUNNING one to stop at its next progress step ' +
      '(cancelRequested true, then CANCELLED); nothing a cancelled job wrote becomes active. CONFLICT when the job already ended.',
  })
  async cancelJob(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<JobType> {
    return toJobType(await ctx.services.jobs.cancelJob(id));
  }

  @Query(() => [WorkerType], { description: 'Registered job workers with their TensorFlow.js backends, most recent heartbeat first.' })
  async workers(@Ctx() ctx: GraphQLContext): Promise<WorkerType[]> {
    return (await ctx.services.jobs.listWorkers()) as unknown as WorkerType[];
  }

  @FieldResolver(() => ModelType, { nullable: true, description: 'The model version the job trains or activates; null when it has none.' })
  async model(@Root() job: JobType, @Ctx() ctx: GraphQLContext): Promise<ModelType | null> {
    if (job.modelId === null) {
      return null;
    }
    const model = await ctx.services.models.getModelById(job.modelId);
    return model === null ? null : toModelType(model);
  }
}
