import { Arg, Ctx, Float, Int, Query, Resolver } from 'type-graphql';

import type { GraphQLContext } from './context.js';
import { toModelType } from './model.resolver.js';
import { ImageInput } from './image.input.js';
import { DetectedFaceType, FaceMatchesType, FalseAcceptRateEnum, VerificationType } from './search.type.js';

@Resolver()
export class SearchResolver {
  @Query(() => [DetectedFaceType], {
    description: 'Every face in the image, largest first, with its vector from the named model (default: the active model). Empty when there is no face.',
  })
  faceVector(
    @Ctx() ctx: GraphQLContext,
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('model', () => String, { nullable: true }) model?: string | null,
  ): Promise<DetectedFaceType[]> {
    return ctx.services.search.faceVectors(image.base64, model);
  }

  @Query(() => [FaceMatchesType], {
    description: 'Every face in the image, largest first, with the topK nearest enrolled faces. Empty when there is no face.',
  })
  async similarFaces(
    @Ctx() ctx: GraphQLContext,
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('topK', () => Int, { nullable: true, description: 'Matches per face, 1 to the server\'s maximum (default 5).' }) topK?: number | null,
    @Arg('model', () => String, { nullable: true }) model?: string | null,
    @Arg('minSimilarity', () => Float, { nullable: true, description: 'Cosine similarity a match needs to identify a face (-1..1).' }) minSimilarity?: number | null,
    @Arg('acceptAt', () => FalseAcceptRateEnum, { nullable: true, description: 'Use the model\'s calibrated threshold at this false accept rate. The default is FAR_0_1_PERCENT, or FAR_1_PERCENT when the model has only that.' }) acceptAt?: FalseAcceptRateEnum | null,
  ): Promise<FaceMatchesType[]> {
    const faces = await ctx.services.search.similarFaces(image.base64, topK, model, { minSimilarity, acceptAt });
    return faces.map((face) => ({ ...face, model: toModelType(face.model) }));
  }

  @Query(() => VerificationType, { description: 'Compares the largest face of each image. NO_FACE when either image has none.' })
  async verifyFaces(
    @Ctx() ctx: GraphQLContext,
    @Arg('imageA', () => ImageInput) imageA: ImageInput,
    @Arg('imageB', () => ImageInput) imageB: ImageInput,
    @Arg('model', () => String, { nullable: true }) model?: string | null,
  ): Promise<VerificationType> {
    const { similarity, match, threshold } = await ctx.services.search.verifyFaces(imageA.base64, imageB.base64, model);
    return { similarity, match, threshold };
  }
}
