import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBoothConfig, parseBoothConfig } from '../../../src/booth/config.js';
import { ValidationError } from '../../../src/core/errors.js';

describe('booth config', () => {
  it('has working defaults', () => {
    const c = parseBoothConfig({});
    expect(c.capture).toMatchObject({ source: 'fake', segmentSeconds: 4, screen: 'auto' });
    expect(c.server.url).toBe('http://127.0.0.1:8080');
    expect(c.bridge.port).toBe(8090);
  });

  it('names the bad field', () => {
    expect(() => parseBoothConfig({ capture: { segmentSeconds: 0 } })).toThrow(/capture\.segmentSeconds/);
    expect(() => parseBoothConfig({ server: { url: 'not a url' } })).toThrow(/server\.url/);
    expect(() => parseBoothConfig({ capture: { colour: 'red' } })).toThrow(ValidationError);
  });

  it('reads a file and lets explicit options win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dualrec-cfg-'));
    const file = join(dir, 'booth.json');
    writeFileSync(file, JSON.stringify({ name: 'branch-7', capture: { segmentSeconds: 6 } }));
    const c = loadBoothConfig(file, { capture: { fps: 10 }, dataDir: undefined });
    expect(c).toMatchObject({ name: 'branch-7', capture: { segmentSeconds: 6, fps: 10 } });
  });

  it('reports unreadable and malformed files', () => {
    expect(() => loadBoothConfig('/nonexistent/booth.json')).toThrow(/cannot read booth config/);
    const dir = mkdtempSync(join(tmpdir(), 'dualrec-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(() => loadBoothConfig(join(dir, 'bad.json'))).toThrow(/not valid JSON/);
  });
});

describe('booth config: server link security', () => {
  it('allows plain http only to this machine', () => {
    expect(parseBoothConfig({ server: { url: 'http://localhost:8080' } }).server.url).toBe('http://localhost:8080');
    expect(parseBoothConfig({ server: { url: 'https://archive.bank.example' } }).server.url).toBe('https://archive.bank.example');
    expect(() => parseBoothConfig({ server: { url: 'http://10.1.2.3:8080' } })).toThrow(/server\.url: server\.url must use https unless the server is on this machine/);
  });
  it('validates the pinned archive key fingerprint', () => {
    expect(() => parseBoothConfig({ server: { archiveKeyId: 'ABC' } })).toThrow(/server\.archiveKeyId/);
  });
});
