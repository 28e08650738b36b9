import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('EngineInfo', { description: 'The face engine\'s runtime.' })
export class EngineInfoType {
  @Field(() => String, { description: 'TensorFlow.js backend: tensorflow-gpu, tensorflow, wasm or cpu.' })
  backend!: string;

  @Field(() => Int, { description: 'Worker threads running the engine.' })
  workers!: number;
}

@ObjectType('DatabaseHealth')
export class DatabaseHealthType {
  @Field(() => String, { description: 'pglite (embedded) or postgres.' })
  kind!: string;

  @Field(() => Boolean)
  ok!: boolean;
}

@ObjectType('Health')
export class HealthType {
  @Field(() => String, { description: 'ok, or degraded when the database does not answer.' })
  status!: string;

  @Field(() => DatabaseHealthType)
  database!: DatabaseHealthType;

  @Field(() => EngineInfoType)
  engine!: EngineInfoType;
}
