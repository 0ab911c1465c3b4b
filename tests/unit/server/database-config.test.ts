import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { describePostgresUrl } from '../../../src/platform/db.js';
import { databaseFromEnv, parseServerConfig } from '../../../src/server/config.js';
import { isUniqueViolation } from '../../../src/server/db/portable.js';

const URL_WITH_SECRET = 'postgres://dualrec:pa%24%24word@db.internal:5433/archive';

describe('server database config', () => {
  it('defaults to SQLite when neither the config nor the environment names a database', () => {
    expect(parseServerConfig({}, {}).database).toEqual({ kind: 'sqlite' });
  });

  it('takes PostgreSQL from the config, with a default pool size and connect timeout', () => {
    expect(parseServerConfig({ database: { kind: 'postgres', url: URL_WITH_SECRET } }, {}).database).toEqual({ kind: 'postgres', url: URL_WITH_SECRET, poolSize: 10, connectTimeoutMs: 10_000 });
  });

  it('takes PostgreSQL from DUALREC_DATABASE_URL and DUALREC_DATABASE_POOL_SIZE when the config names none', () => {
    const env = { DUALREC_DATABASE_URL: URL_WITH_SECRET, DUALREC_DATABASE_POOL_SIZE: '25' };
    expect(parseServerConfig({ port: 0 }, env).database).toEqual({ kind: 'postgres', url: URL_WITH_SECRET, poolSize: 25, connectTimeoutMs: 10_000 });
    expect(parseServerConfig({ database: { kind: 'sqlite' } }, env).database).toEqual({ kind: 'sqlite' });
    expect(databaseFromEnv({})).toBeUndefined();
  });

  it('rejects a bad database setting naming the field and never echoing the URL', () => {
    const bad = (input: unknown, env = {}) => () => parseServerConfig(input, env);
    expect(bad({ database: { kind: 'postgres', url: 'mysql://u:hunter2@h/db' } })).toThrow(ValidationError);
    expect(bad({ database: { kind: 'postgres', url: 'mysql://u:hunter2@h/db' } })).toThrow(/database\.url: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(bad({ database: { kind: 'postgres', url: 'mysql://u:hunter2@h/db' } })).not.toThrow(/hunter2/);
    expect(bad({ database: { kind: 'postgres', url: URL_WITH_SECRET, poolSize: 0 } })).toThrow(/database\.poolSize/);
    expect(bad({ database: { kind: 'postgres', url: URL_WITH_SECRET, extra: 1 } })).toThrow(/extra/);
    expect(bad({ database: { kind: 'mysql' } })).toThrow(/database\.kind/);
    expect(bad({}, { DUALREC_DATABASE_URL: 'not a url' })).toThrow(/DUALREC_DATABASE_URL .*url: must be a postgres/);
    expect(bad({}, { DUALREC_DATABASE_URL: URL_WITH_SECRET, DUALREC_DATABASE_POOL_SIZE: 'many' })).toThrow(/DUALREC_DATABASE_POOL_SIZE.*poolSize/);
  });

  it('describes a PostgreSQL URL for logs without its password', () => {
    expect(describePostgresUrl(URL_WITH_SECRET)).toBe('"archive" at db.internal:5433 as dualrec');
    expect(describePostgresUrl('postgresql://app@10.0.0.5/app_db?sslmode=require')).toBe('"app_db" at 10.0.0.5:5432 as app');
    expect(describePostgresUrl('::nonsense')).toBe('(unparseable URL)');
  });

  it('recognises unique violations of both databases and nothing else', () => {
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })).toBe(true);
    expect(isUniqueViolation({ code: '23503' })).toBe(false);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
    expect(isUniqueViolation(new Error('x'))).toBe(false);
  });
});
