import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType('Box', { description: 'Axis-aligned face box in pixels of the EXIF-oriented image; (x, y) is the top-left corner.' })
export class BoxType {
  @Field(() => Float)
  x!: number;

  @Field(() => Float)
  y!: number;

  @Field(() => Float)
  width!: number;

  @Field(() => Float)
  height!: number;
}
