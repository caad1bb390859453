// The GraphQL path's fixed cost: the viewer query (token check, shield,
// validation with query limits) under load, for reference next to the data
// queries measured by the stats section.
import autocannon from 'autocannon';
import { signToken } from '../src/auth/jwt';
import { BENCH_SECRETS, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

export async function benchGraphQL(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('graphql');
  try {
    const token = await signToken({ orgId: 'bench', userId: 'u1', role: 'admin' }, BENCH_SECRETS.AUTH_JWT_SECRET);
    const result = await autocannon({
      url: `${env.url}/graphql`,
      method: 'POST',
      connections: 20,
      duration: 5,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { userId orgId role } }' }),
    });
    return [
      { name: 'graphql viewer query', value: result.requests.average, unit: 'req/s', goal: 'reference (20 connections)' },
      { name: 'graphql viewer query p99', value: result.latency.p99, unit: 'ms', goal: 'reference' },
    ];
  } finally {
    await env.close();
  }
}
