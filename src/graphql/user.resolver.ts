import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';

import type { GraphQLContext } from './context.js';
import { CreateUserInput } from './create-user.input.js';
import { ImageType } from './image.type.js';
import { UserType } from './user.type.js';

@Resolver(() => UserType)
export class UserResolver {
  @Query(() => [UserType], { description: 'Enrolled users, oldest first; limit 1 to FACEMATCH_MAX_PAGE_SIZE (default 500), 50 when omitted.' })
  users(
    @Ctx() ctx: GraphQLContext,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<UserType[]> {
    return ctx.services.users.listUsers({ limit, offset });
  }

  @Query(() => UserType, { description: 'One user; NOT_FOUND when the id matches none.' })
  user(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<UserType> {
    return ctx.services.users.getUser(id);
  }

  @Mutation(() => UserType)
  createUser(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateUserInput) input: CreateUserInput): Promise<UserType> {
    return ctx.services.users.createUser(input);
  }

  @Mutation(() => UserType)
  renameUser(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('name', () => String) name: string): Promise<UserType> {
    return ctx.services.users.renameUser(id, name);
  }

  @Mutation(() => Boolean, { description: 'Deletes the user with every image, face and face vector; NOT_FOUND when the id matches none.' })
  deleteUser(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return ctx.services.users.deleteUser(id);
  }

  @FieldResolver(() => [ImageType])
  images(@Root() user: UserType, @Ctx() ctx: GraphQLContext): Promise<ImageType[]> {
    return ctx.services.images.listImages(user.id);
  }
}
