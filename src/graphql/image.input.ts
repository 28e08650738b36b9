import { Field, InputType } from 'type-graphql';

@InputType({ description: 'An image sent with a request. Exactly one source must be set; base64 is the only source so far.' })
export class ImageInput {
  @Field(() => String, { nullable: true, description: 'The image file (jpeg, png, webp, gif, tiff, avif or heif), base64-encoded.' })
  base64?: string | null;
}
