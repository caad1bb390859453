import fc from 'fast-check';
import { clientIp } from '../../src/events/client-ip';

describe('clientIp', () => {
  it('uses the socket address when no proxy is trusted, ignoring X-Forwarded-For', () => {
    expect(clientIp('203.0.113.9', '1.2.3.4', 0)).toBe('203.0.113.9');
  });

  it('unwraps IPv4-mapped IPv6 socket addresses', () => {
    expect(clientIp('::ffff:203.0.113.9', undefined, 0)).toBe('203.0.113.9');
    expect(clientIp('::1', undefined, 0)).toBe('::1');
  });

  it('takes the address the trusted proxies vouch for, from the right', () => {
    expect(clientIp('10.0.0.1', '198.51.100.7', 1)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', 'spoofed, 198.51.100.7', 1)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.2', 2)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', ['1.1.1.1', '198.51.100.7'], 1)).toBe('198.51.100.7');
  });

  it('stops at a malformed entry and never goes past the chain', () => {
    expect(clientIp('10.0.0.1', 'not-an-ip', 1)).toBe('10.0.0.1');
    expect(clientIp('10.0.0.1', '198.51.100.7, garbage', 2)).toBe('10.0.0.1');
    expect(clientIp('10.0.0.1', '198.51.100.7', 5)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '', 1)).toBe('10.0.0.1');
  });

  it('property: the answer is always the socket address or an entry of the header', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), { maxLength: 8 }), fc.nat(10), (chain, hops) => {
        const header = chain.join(', ');
        const ip = clientIp('10.9.8.7', header, hops);
        const candidates = ['10.9.8.7', ...chain.map((entry) => entry.trim()), ...chain.map((entry) => entry.trim().replace(/^::ffff:/i, ''))];
        expect(candidates).toContain(ip);
        if (hops === 0) expect(ip).toBe('10.9.8.7');
      }),
    );
  });

  it('property: with N trusted hops, N valid entries appended by proxies decide the client', () => {
    fc.assert(
      fc.property(fc.array(fc.ipV4(), { maxLength: 4 }), fc.array(fc.ipV4(), { minLength: 1, maxLength: 4 }), (spoofed, trusted) => {
        const header = [...spoofed, ...trusted].join(', ');
        expect(clientIp('10.0.0.1', header, trusted.length)).toBe(trusted[0]);
      }),
    );
  });
});
