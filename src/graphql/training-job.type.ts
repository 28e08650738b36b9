import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum JobStatusEnum {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

registerEnumType(JobStatusEnum, { name: 'JobStatus' });

@ObjectType('TrainingJob', { description: 'A background training run; poll trainingJob(id) for its progress.' })
export class TrainingJobType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  modelName!: string;

  @Field(() => JobStatusEnum)
  status!: JobStatusEnum;

  @Field(() => Float, { description: 'Fraction done, 0..1.' })
  progress!: number;

  @Field(() => String, { nullable: true, description: 'Current step, such as loading, branches, autoencoder or embedding.' })
  phase!: string | null;

  @Field(() => JSONObjectResolver, { description: 'The training options the job was started with.' })
  options!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Why the job failed.' })
  error!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  startedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  finishedAt!: Date | null;

  /** Not a field: the TrainingJob resolver turns it into `model`. */
  modelId!: string | null;
}
