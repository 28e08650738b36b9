import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('EngineInfo', { description: 'The face engine\'s runtime.' })
export class EngineInfoType {
  @Field(() => String, { description: 'TensorFlow.js backend: tensorflow-gpu, tensorflow, wasm or cpu.' })
  backend!: string;

  @Field(() => Int, { description: 'Worker threads running the engine.' })
  workers!: number;

  @Field(() => Int, { description: 'Live TensorFlow.js tensors over the workers not training (a training worker is skipped); growth between idle moments means a leak.' })
  tensors!: number;
}

@ObjectType('DatabaseHealth')
export class DatabaseHealthType {
  @Field(() => String, { description: 'pglite (embedded) or postgres.' })
  kind!: string;

  @Field(() => Boolean)
  ok!: boolean;
}

@ObjectType('EngineHealth')
export class EngineHealthType {
  @Field(() => String)
  backend!: string;

  @Field(() => Int)
  workers!: number;

  @Field(() => Boolean)
  ok!: boolean;
}

@ObjectType('Health')
export class HealthType {
  @Field(() => String, { description: 'ok, or degraded when the database or the engine does not respond.' })
  status!: string;

  @Field(() => DatabaseHealthType)
  database!: DatabaseHealthType;

  @Field(() => EngineHealthType)
  engine!: EngineHealthType;
}
