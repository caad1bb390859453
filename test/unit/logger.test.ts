import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, serializeError } from '../../src/logger';

function capture(): { stream: Writable; lines: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text };
}

describe('logs', () => {
  it('reduce a database error to its type, message, code and stack: never its query or parameters', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    const error = new QueryFailedError('INSERT INTO tracking_events VALUES ($1, $2)', ['203.0.113.9', 'https://secret.example/reset?token=abc'], driverError);
    const logged = serializeError(error);
    expect(logged).toMatchObject({ type: 'QueryFailedError', message: 'duplicate key value violates unique constraint', code: '23505' });
    expect(JSON.stringify(logged)).not.toMatch(/203\.0\.113\.9|secret\.example|INSERT INTO/);
  });

  it('apply the error serializer and the redactions to every line', () => {
    const { stream, lines } = capture();
    const log = createLogger('info', stream);
    const error = new QueryFailedError('SELECT $1', ['198.51.100.77'], new Error('boom'));
    log.error({ err: error, token: 'tok-123', headers: { authorization: 'Bearer abc' }, ip: '198.51.100.78' }, 'failed');
    const text = lines();
    expect(text).toContain('"msg":"failed"');
    expect(text).toContain('"type":"QueryFailedError"');
    expect(text).not.toMatch(/198\.51\.100\.7[78]|tok-123|Bearer abc/);
  });

  it('log non-Error values as text', () => {
    expect(serializeError('plain')).toEqual({ type: 'string', message: 'plain' });
  });
});
