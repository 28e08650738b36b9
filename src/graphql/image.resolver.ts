import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';

import type { GraphQLContext } from './context.js';
import { FaceType } from './face.type.js';
import { ImageInput } from './image.input.js';
import { ImageType } from './image.type.js';
import { UserType } from './user.type.js';

@Resolver(() => ImageType)
export class ImageResolver {
  @Mutation(() => ImageType, {
    description:
      'Enrols one face image of a user. Sending the same bytes again returns the stored image. ' +
      'NO_FACE when no face is found; MULTIPLE_FACES when several are, unless faceIndex (0 = largest) picks one.',
  })
  async addImage(
    @Ctx() ctx: GraphQLContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('faceIndex', () => Int, { nullable: true }) faceIndex?: number | null,
  ): Promise<ImageType> {
    const added = await ctx.services.images.addImage(userId, image.base64, { faceIndex });
    return added.image;
  }

  @Mutation(() => Int, { description: 'Deletes one user\'s images (every user\'s when userId is omitted; an explicit null is BAD_USER_INPUT) with their faces; returns how many images were deleted.' })
  removeImages(@Ctx() ctx: GraphQLContext, @Arg('userId', () => ID, { nullable: true }) userId?: string | null): Promise<number> {
    return ctx.services.images.removeImages(userId);
  }

  @Mutation(() => Boolean, { description: 'Deletes one image with its face; NOT_FOUND when the id matches none.' })
  deleteImage(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return ctx.services.images.deleteImage(id);
  }

  @FieldResolver(() => FaceType, { nullable: true, description: 'The enrolled face.' })
  async face(@Root() image: ImageType, @Ctx() ctx: GraphQLContext): Promise<FaceType | null> {
    const [face] = await ctx.services.images.listFaces(image.id);
    return face ?? null;
  }

  @FieldResolver(() => UserType)
  user(@Root() image: ImageType, @Ctx() ctx: GraphQLContext): Promise<UserType> {
    return ctx.services.users.getUser(image.userId);
  }
}
