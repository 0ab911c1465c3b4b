// Property test (fast-check) against the real server: arbitrary JSON bodies, with valid
// credentials so they reach the handlers, never produce a 5xx on any POST, PUT or PATCH route
// (enumerated from the route table, so later routes are fuzzed too), and every 4xx names its problem.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffRole } from '../../src/protocol/staff.js';
import type { RouteAuthEntry } from '../../src/server/auth/route-auth.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { staffLogin } from '../helpers/staff.js';

let fx: ApiFixture;
let staff: Record<string, string>;

beforeAll(async () => {
  fx = await openApiFixture({ loginMaxPerIpPerMinute: 10_000 });
  staff = (await staffLogin(fx.server, { roles: [...StaffRole.options], branches: '*' })).headers;
});
afterAll(async () => {
  await fx?.close();
});

/** Bodies: any JSON value, and objects that reuse the real field names so they get past the first check. */
const fieldNames = ['username', 'password', 'roles', 'branches', 'disabled', 'branchId', 'name', 'ttlHours', 'code', 'publicKey', 'sessionId', 'productId', 'startedAt', 'keyWrap', 'manifest', 'signature', 'faults', 'at', 'backlog', 'disk'];
const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.constantFrom(...fieldNames), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }));

describe('arbitrary JSON bodies', () => {
  it('never get a 5xx on a route that takes a body; every rejection names its problem', async () => {
    // Logout would end the fuzzing login; it takes no body anyway.
    const targets = fx.server.http.routeAuth.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.url.endsWith('/auth/logout'));
    expect(targets.length).toBeGreaterThan(8);
    const url = (r: RouteAuthEntry) => r.url.replace(':sessionId', fx.booth.sessionId).replace(':seq', '0').replace(':branchId', 'br-a').replace(/:[A-Za-z]+/g, '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), body, fc.ipV4(), async (r, payload, ip) => {
        const headers = { 'content-type': 'application/json', ...(r.auth.kind === 'booth' ? fx.booth.headers : r.auth.kind === 'staff' ? staff : {}) };
        const res = await fx.server.http.inject({ method: r.method as 'POST', url: url(r), headers, payload: JSON.stringify(payload), remoteAddress: ip });
        expect(res.statusCode, `${r.method} ${r.url} ${JSON.stringify(payload)} -> ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json().error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });
});
