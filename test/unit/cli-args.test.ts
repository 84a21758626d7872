import { Scope } from '../../src/auth/principal';
import { UsageError } from '../../src/scripts/apikey-create';
import { parseCli } from '../../src/scripts/cli';

const NOW = new Date('2026-06-01T00:00:00Z');
/** The options `dignity-graph apikey create …` hands over. */
const parse = async (...argv: string[]) => {
  const parsed = await parseCli(['apikey', 'create', ...argv], NOW);
  return parsed === 'help' ? parsed : parsed.options;
};

describe('dignity-graph apikey create: arguments', () => {
  it('reads organisation, tenants, scopes, name and expiry', async () => {
    await expect(
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
    ).resolves.toEqual({
      org: 'International Alert',
      tenantCodes: ['TJ', 'KG'],
      scopes: [Scope.READ, Scope.WRITE],
      name: 'Kobo sync',
      expiresAt: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('defaults to a dated name and no expiry', async () => {
    await expect(parse('--org', 'x', '--tenants', 'TJ', '--scopes', 'read')).resolves.toMatchObject(
      { name: 'apikey create 2026-06-01', expiresAt: null },
    );
  });

  it('answers --help', async () => {
    await expect(parse('--help')).resolves.toBe('help');
  });

  it.each([
    [['--tenants', 'TJ', '--scopes', 'read'], /required option '--org/],
    [['--org', 'x', '--scopes', 'read'], /required option '--tenants/],
    [['--org', 'x', '--tenants', 'TJ'], /required option '--scopes/],
    [['--org', ' ', '--tenants', 'TJ', '--scopes', 'read'], /--org is required/],
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
    [['--org', 'x', '--tenants', 'TJ', '--scopes', 'read', '--colour', 'red'], /unknown option/],
  ])('refuses %j with a clear message', async (argv, message) => {
    await expect(parse(...argv)).rejects.toThrow(UsageError);
    await expect(parse(...argv)).rejects.toThrow(message);
  });

  it('grants the admin scope only with --allow-admin', async () => {
    await expect(
      parse('--org', 'x', '--tenants', 'TJ', '--scopes', 'admin', '--allow-admin'),
    ).resolves.toMatchObject({ scopes: [Scope.ADMIN] });
  });
});

describe('dignity-graph: the other commands', () => {
  it('reads admin create for a platform admin and for a tenant admin', async () => {
    await expect(
      parseCli(['admin', 'create', '--subject', 'idp|1', '--email', 'a@example.org']),
    ).resolves.toEqual({
      command: 'admin create',
      options: { subject: 'idp|1', email: 'a@example.org' },
    });
    await expect(
      parseCli([
        'admin',
        'create',
        '--subject',
        's',
        '--email',
        'e@x',
        '--tenant',
        'TJ',
        '--org',
        'IA',
      ]),
    ).resolves.toMatchObject({ options: { tenant: 'TJ', org: 'IA' } });
  });

  it('refuses a command it does not know, naming it', async () => {
    await expect(parseCli(['user', 'delete'])).rejects.toThrow(/unknown command 'user'/);
  });
});
