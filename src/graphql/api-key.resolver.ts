import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';

import type { ApiKey } from '../domain.js';
import { ApiKeyRoleEnum, ApiKeyType, CreatedApiKeyType } from './api-key.type.js';
import type { GraphQLContext } from './context.js';

/** ApiKey's role is a string union; the GraphQL enum has the same values. */
function toApiKeyType(apiKey: ApiKey): ApiKeyType {
  return apiKey as unknown as ApiKeyType;
}

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @Query(() => [ApiKeyType], { description: 'Every API key, revoked ones included, oldest first. Secrets are never returned.' })
  async apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyType[]> {
    return (await ctx.services.apiKeys.listKeys()).map(toApiKeyType);
  }

  @Mutation(() => CreatedApiKeyType, {
    description: 'Creates an API key and returns it once. The first key turns authentication on: from then on every request needs a key.',
  })
  async createApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg('name', () => String, { description: 'Who or what uses the key, such as "mobile app"; 1 to 200 characters.' }) name: string,
    @Arg('role', () => ApiKeyRoleEnum) role: ApiKeyRoleEnum,
  ): Promise<CreatedApiKeyType> {
    const created = await ctx.services.apiKeys.createKey(name, role);
    return { key: created.key, apiKey: toApiKeyType(created.apiKey) };
  }

  @Mutation(() => ApiKeyType, { description: 'Revokes an API key at once; NOT_FOUND when the id matches none. Revoked keys stay listed.' })
  async revokeApiKey(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApiKeyType> {
    return toApiKeyType(await ctx.services.apiKeys.revokeKey(id));
  }
}
