// Both pages' only source of data: POST /graphql with the bearer token. Every
// failure becomes an ApiError whose kind tells the page what to do about it.
export class ApiError extends Error {
  /** kind: 'unauthenticated' | 'forbidden' | 'bad-input' | 'network' | 'server' */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

const KINDS = { UNAUTHENTICATED: 'unauthenticated', FORBIDDEN: 'forbidden', BAD_USER_INPUT: 'bad-input' };

export async function graphql(token, query, variables) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('network', 'The server could not be reached. Check that it is running, then try again.');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('server', `The server answered ${response.status} without GraphQL data.`);
  }
  const [error] = body.errors ?? [];
  if (error) throw new ApiError(KINDS[error.extensions?.code] ?? 'server', error.message);
  if (!body.data) throw new ApiError('server', `The server answered ${response.status} without data.`);
  return body.data;
}
