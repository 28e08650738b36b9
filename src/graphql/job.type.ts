import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum JobStatusEnum {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export enum JobKindEnum {
  train = 'train',
  reembed = 'reembed',
  import = 'import',
}

registerEnumType(JobStatusEnum, { name: 'JobStatus' });
registerEnumType(JobKindEnum, {
  name: 'JobKind',
  description: 'train: train a model version. reembed: embed every stored face with a model, then activate it. import: enrol uploaded images.',
});

@ObjectType('LossPoint', { description: 'Mean training loss of one epoch.' })
export class LossPointType {
  @Field(() => String, { description: 'Training step, such as "branch holistic" or "autoencoder layer 2".' })
  phase!: string;

  @Field(() => Int)
  epoch!: number;

  @Field(() => Float)
  loss!: number;
}

@ObjectType('Job', { description: 'A durable background job that a worker takes from the queue; poll job(id) for its progress.' })
export class JobType {
  @Field(() => ID)
  id!: string;

  @Field(() => JobKindEnum)
  kind!: JobKindEnum;

  @Field(() => String, { nullable: true, description: 'The model a train job trains; null for other kinds.' })
  modelName!: string | null;

  @Field(() => JobStatusEnum)
  status!: JobStatusEnum;

  @Field(() => Float, { description: 'Fraction done, 0..1; it never decreases within an attempt and is 1 when the job succeeded.' })
  progress!: number;

  @Field(() => String, { nullable: true, description: 'Current step, such as loading, branch holistic, autoencoder layer 1, embedding or importing.' })
  phase!: string | null;

  @Field(() => Int, { nullable: true, description: 'Items of the current phase done: faces embedded or images imported.' })
  itemsDone!: number | null;

  @Field(() => Int, { nullable: true, description: 'Items of the current phase in total.' })
  itemsTotal!: number | null;

  @Field(() => Int, { nullable: true, description: 'Latest training epoch of the current phase.' })
  epoch!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean training loss of the latest epoch.' })
  loss!: number | null;

  @Field(() => [LossPointType], { description: 'Loss of every training epoch of this attempt, oldest first (the latest 500).' })
  losses!: LossPointType[];

  @Field(() => JSONObjectResolver, { description: 'The job input: training options for train, { modelId } for reembed, { userId, images } for import.' })
  payload!: Record<string, unknown>;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'What the job produced, such as each imported image\'s outcome.' })
  result!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Why the job failed or was cancelled; starts with a stable code such as INSUFFICIENT_TRAINING_DATA or WORKER_LOST.' })
  error!: string | null;

  @Field(() => Int, { description: 'Times a worker took the job; more than 1 after a worker died.' })
  attempts!: number;

  @Field(() => Int)
  maxAttempts!: number;

  @Field(() => String, { nullable: true, description: 'Id of the worker running the job; null when none is.' })
  leaseOwner!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the running worker\'s claim expires unless it renews it.' })
  leaseExpiresAt!: Date | null;

  @Field(() => Boolean, { description: 'True once cancelJob asked a running job to stop.' })
  cancelRequested!: boolean;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the latest attempt started.' })
  startedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  finishedAt!: Date | null;

  /** Not a field: the Job resolver turns it into `model`. */
  modelId!: string | null;
}

@ObjectType('Worker', { description: 'A process that takes jobs from the queue.' })
export class WorkerType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  host!: string;

  @Field(() => Int)
  pid!: number;

  @Field(() => String, { description: 'TensorFlow.js backend of its engine: tensorflow-gpu, tensorflow, wasm or cpu.' })
  backend!: string;

  @Field(() => [JobKindEnum])
  kinds!: JobKindEnum[];

  @Field(() => DateTimeResolver)
  startedAt!: Date;

  @Field(() => DateTimeResolver, { description: 'The worker renews this while it runs; an old value means it stopped.' })
  lastHeartbeatAt!: Date;
}
