import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addressAllowed, send } from '../../src/modules/webhook/webhook-http';
import { eventType } from '../../src/modules/webhook/webhook.worker';

describe('webhook addresses (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(addressAllowed(address, false)).toBe(false);
  });

  it.each(['1.1.1.1', '8.8.8.8', '2606:4700:4700::1111'])('allows the public %s', (address) => {
    expect(addressAllowed(address, false)).toBe(true);
  });

  it('allows loopback only with the test switch, and still no private range', () => {
    expect(addressAllowed('127.0.0.1', true)).toBe(true);
    expect(addressAllowed('::1', true)).toBe(true);
    expect(addressAllowed('10.0.0.1', true)).toBe(false);
  });

  it('refuses http, a literal private address and a name resolving to loopback before connecting', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const options = { timeoutMs: 1000, allowLoopback: false };
    try {
      expect((await send(`http://127.0.0.1:${port}/`, {}, '{}', options)).error).toMatch(/https/);
      expect((await send(`https://127.0.0.1:${port}/`, {}, '{}', options)).error).toMatch(
        /not public/,
      );
      expect((await send(`https://localhost:${port}/`, {}, '{}', options)).error).toMatch(
        /not public/,
      );
      expect((await send(`https://[::ffff:7f00:1]:${port}/`, {}, '{}', options)).error).toMatch(
        /not public/,
      );
      expect(hits).toBe(0);
    } finally {
      server.close();
    }
  });

  it('does not follow redirects', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(307, { location: 'http://169.254.169.254/' });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const result = await send(`http://127.0.0.1:${port}/`, {}, '{}', {
        timeoutMs: 1000,
        allowLoopback: true,
      });
      expect(result.status).toBe(307);
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('event types', () => {
  it('name the type and the audited action in the past tense', () => {
    expect(eventType('Activity', 'CREATE')).toBe('activity.created');
    expect(eventType('Measurement', 'UPDATE')).toBe('measurement.updated');
    expect(eventType('Activity', 'RESTORE')).toBe('activity.restored');
    expect(eventType('Project', 'DELETE')).toBe('project.deleted');
  });

  it('call a reporting period’s transitions period.submitted, approved, returned, unapproved', () => {
    expect(eventType('ReportingPeriod', 'PERIOD_SUBMIT')).toBe('period.submitted');
    expect(eventType('ReportingPeriod', 'PERIOD_APPROVE')).toBe('period.approved');
    expect(eventType('ReportingPeriod', 'PERIOD_RETURN')).toBe('period.returned');
    expect(eventType('ReportingPeriod', 'PERIOD_UNAPPROVE')).toBe('period.unapproved');
  });
});
