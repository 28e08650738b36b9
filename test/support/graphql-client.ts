import assert from 'node:assert/strict';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Posts one GraphQL operation to a facematch server started by the test on 127.0.0.1. */
export async function postGraphQL<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Posts an operation that must succeed and returns its data. */
export async function expectData<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await postGraphQL<T>(url, query, variables);
  assert.equal(result.errors, undefined, `unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data!;
}

/** Posts an operation that must fail and returns its first error's code and message. */
export async function expectError(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ code: string | undefined; message: string }> {
  const result = await postGraphQL(url, query, variables);
  assert.ok(result.errors, `expected an error, got ${JSON.stringify(result.data)}`);
  assert.ok(result.errors.length > 0, 'expected at least one error in the errors list');
  return { code: result.errors[0].extensions?.code, message: result.errors[0].message };
}

/** Posts one operation with `authorization` as the Authorization header (omitted when undefined); returns the HTTP status and body. */
export async function postWithAuthorization<T = Record<string, unknown>>(
  url: string,
  authorization: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; headers: Headers; body: GraphQLResponse<T> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) {
    headers.authorization = authorization;
  }
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T> };
}
