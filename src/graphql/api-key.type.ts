import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum ApiKeyRoleEnum {
  ADMIN = 'ADMIN',
  CLIENT = 'CLIENT',
}

registerEnumType(ApiKeyRoleEnum, {
  name: 'ApiKeyRole',
  description: 'ADMIN may use every operation. CLIENT may use faceVector, similarFaces, verifyFaces, health and engineInfo.',
});

@ObjectType('ApiKey', { description: 'An API key without its secret: the server stores only a SHA-256 hash of the key.' })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ApiKeyRoleEnum)
  role!: ApiKeyRoleEnum;

  @Field(() => String, { description: 'Public part of the key: the key starts with fm_<prefix>_.' })
  prefix!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Last authenticated request, recorded to within a minute; null when never used.' })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the key was revoked; null while it is valid.' })
  revokedAt!: Date | null;
}

@ObjectType('CreatedApiKey', { description: 'A new API key. The key is returned only here: store it now, the server keeps only its hash.' })
export class CreatedApiKeyType {
  @Field(() => String, { description: 'The whole key, for the header "Authorization: Bearer <key>".' })
  key!: string;

  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
}
