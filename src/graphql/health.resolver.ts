import { Ctx, Query, Resolver } from 'type-graphql';

import type { GraphQLContext } from './context.js';
import { EngineInfoType, HealthType } from './health.type.js';

@Resolver()
export class HealthResolver {
  @Query(() => EngineInfoType)
  engineInfo(@Ctx() ctx: GraphQLContext): Promise<EngineInfoType> {
    return ctx.services.health.engineInfo();
  }

  @Query(() => HealthType, { description: 'Database and engine status; the same as GET /health.' })
  health(@Ctx() ctx: GraphQLContext): Promise<HealthType> {
    return ctx.services.health.check();
  }
}
