import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('Image', { description: 'A stored enrolment image with its enrolled face.' })
export class ImageType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => String, { description: 'Hex sha256 of the original bytes.' })
  sha256!: string;

  @Field(() => String, { description: 'jpeg, png, webp, gif, tiff, avif or heif.' })
  format!: string;

  @Field(() => Int, { description: 'Width after EXIF orientation, in pixels.' })
  width!: number;

  @Field(() => Int, { description: 'Height after EXIF orientation, in pixels.' })
  height!: number;

  @Field(() => Int, { description: 'Size of the original file, in bytes.' })
  byteSize!: number;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}
