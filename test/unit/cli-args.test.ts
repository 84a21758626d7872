import { Scope } from '../../src/auth/principal';
import { parseApiKeyCreateArgs, UsageError } from '../../src/scripts/apikey-create';

const NOW = new Date('2026-06-01T00:00:00Z');
const parse = (...argv: string[]) => parseApiKeyCreateArgs(argv, NOW);

describe('npm run apikey:create arguments', () => {
  it('reads organisation, tenants, scopes, name and expiry', () => {
    expect(
      parse(
        '--org',
        'International Alert',
        '--tenants',
        'tj, kg',
        '--scopes',
        'read,WRITE',
        '--name',
        'Kobo sync',
        '--expires',
        '2027-01-01',
      ),
    ).toEqual({
      org: 'International Alert',
      tenantCodes: ['TJ', 'KG'],
      scopes: [Scope.READ, Scope.WRITE],
      name: 'Kobo sync',
      expiresAt: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('defaults to a dated name and no expiry', () => {
    expect(parse('--org', 'x', '--tenants', 'TJ', '--scopes', 'read')).toMatchObject({
      name: 'apikey:create 2026-06-01',
      expiresAt: null,
    });
  });

  it('answers --help', () => {
    expect(parse('--help')).toBe('help');
  });

  it.each([
    [['--tenants', 'TJ', '--scopes', 'read'], /--org is required/],
    [['--org', 'x', '--scopes', 'read'], /--tenants is required/],
    [['--org', 'x', '--tenants', 'TJ'], /--scopes is required/],
    [['--org', 'x', '--tenants', 'TJK', '--scopes', 'read'], /Unknown tenant code TJK/],
    [
      ['--org', 'x', '--tenants', 'TJ', '--scopes', 'read,delete'],
      /Unknown scope delete: use read, write, aggregate, admin/,
    ],
    [['--org', 'x', '--tenants', 'TJ', '--scopes', 'admin'], /--allow-admin/],
    [
      ['--org', 'x', '--tenants', 'TJ', '--scopes', 'read', '--expires', '2020-01-01'],
      /not in the future/,
    ],
    [['--org', 'x', '--tenants', 'TJ', '--scopes', 'read', '--expires', 'soon'], /not a date/],
    [
      ['--org', 'x', '--tenants', 'TJ', '--scopes', 'read', '--name', ' '],
      /--name must be 1 to 200/,
    ],
    [['--org', 'x', '--tenants', 'TJ', '--scopes', 'read', '--colour', 'red'], /Unknown option/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });

  it('grants the admin scope only with --allow-admin', () => {
    expect(
      parse('--org', 'x', '--tenants', 'TJ', '--scopes', 'admin', '--allow-admin'),
    ).toMatchObject({
      scopes: [Scope.ADMIN],
    });
  });
});
