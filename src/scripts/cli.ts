#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { signToken } from '../auth/tokens';
import { ConfigError } from '../config';
import { EmbeddedDatabaseInUseError } from '../db/embedded-postgres';
import {
  type ApiKeyCreateArgs,
  apiKeyCreateOptions,
  type ApiKeyCreateOptions,
  createApiKeyFromCli,
  UsageError,
} from './apikey-create';
import {
  type AdminCreateOptions,
  createAdmin,
  createOrganisation,
  createTenant,
  ORGANISATION_KINDS,
  type OrganisationCreateOptions,
  type TenantCreateOptions,
} from './bootstrap';
import { connectScriptClient, scriptConfig } from './script-env';

/** One command the operator asked for, with its checked options. */
export type CliCommand =
  | { command: 'tenant create'; options: TenantCreateOptions }
  | { command: 'organisation create'; options: OrganisationCreateOptions }
  | { command: 'admin create'; options: AdminCreateOptions & { token?: string } }
  | { command: 'apikey create'; options: ApiKeyCreateOptions };

/**
 * `dignity-graph <noun> create …`: the operator's tools, for the first credential of a new
 * deployment and the keys after it. They work in the production image (no development
 * dependency) and connect to DATABASE_URL, or to the embedded database of a running
 * `npm start`. Results a script captures (a key, a token) go to standard output; everything
 * else to standard error.
 */
export function cliProgram(
  run: (command: CliCommand) => Promise<void>,
  options: { now?: Date; output?: OutputConfiguration } = {},
): Command {
  const now = options.now ?? new Date();
  // Set before the subcommands are added, which inherit them.
  const program = new Command('dignity-graph')
    .description('Operator tools of the Dignity Graph API')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(options.output ?? { writeOut: (text) => process.stderr.write(text) })
    .addHelpText(
      'after',
      '\nConnects to DATABASE_URL, or to the embedded database of a running `npm start`.\n' +
        'What a script captures (an id, a key, a token) goes to standard output; the rest to standard error.',
    );

  program
    .command('tenant')
    .description('Tenants (countries)')
    .command('create')
    .description('Creates a tenant, unless one with the code exists')
    .requiredOption('--code <code>', 'ISO 3166-1 alpha-2 code, e.g. TJ')
    .requiredOption('--name <name>', 'the country, e.g. Tajikistan')
    .option('--timezone <zone>', 'IANA time zone, e.g. Asia/Dushanbe', 'UTC')
    .action((options: TenantCreateOptions) => run({ command: 'tenant create', options }));

  program
    .command('organisation')
    .description('Organisations (implementers, partners, agencies, donors)')
    .command('create')
    .description('Creates an organisation, unless one with the name exists')
    .requiredOption('--name <name>', 'its exact name')
    .requiredOption('--kind <kind>', ORGANISATION_KINDS.join(', '))
    .action((options: OrganisationCreateOptions) =>
      run({ command: 'organisation create', options }),
    );

  program
    .command('admin')
    .description('Administrators')
    .command('create')
    .description(
      'Registers a platform admin, or with --tenant and --org a tenant admin for that organisation',
    )
    .requiredOption('--subject <sub>', "the `sub` claim of this person's tokens")
    .requiredOption('--email <email>', 'their email address')
    .option('--name <name>', 'their display name (default: the email)')
    .option('--tenant <code>', 'make them TENANT_ADMIN of this tenant (with --org)')
    .option('--org <id|name>', 'the organisation they administer the tenant for (with --tenant)')
    .option(
      '--token <ttl>',
      'also print a token for them, signed with JWT_SECRET, valid for this long (e.g. 1h)',
    )
    .action((options: AdminCreateOptions & { token?: string }) =>
      run({ command: 'admin create', options }),
    );

  program
    .command('apikey')
    .description('API keys')
    .command('create')
    .description(
      'Creates an API key and prints it once (only its hash is stored). The key acts for the ' +
        'organisation with the roles it holds in the tenants, narrowed by the scopes.',
    )
    .requiredOption('--org <id|name>', 'the organisation the key acts for: its id or exact name')
    .requiredOption('--tenants <codes>', 'comma-separated tenant codes, e.g. TJ,KG')
    .requiredOption('--scopes <scopes>', 'comma-separated, from: read, write, aggregate, admin')
    .option('--name <text>', 'what the key is for (default: "apikey create <today>")')
    .option('--expires <when>', 'a date (midnight UTC) or ISO date-time; default: no expiry')
    .option(
      '--allow-admin',
      'required to grant the admin scope (the key may then manage memberships and API keys)',
      false,
    )
    .action((args: ApiKeyCreateArgs) =>
      run({ command: 'apikey create', options: apiKeyCreateOptions(args, now) }),
    );

  return program;
}

/**
 * Parses a command line without running anything: the command, 'help', or a UsageError
 * carrying commander's message (for tests, and anyone building on the CLI).
 */
export async function parseCli(argv: string[], now = new Date()): Promise<CliCommand | 'help'> {
  let parsed: CliCommand | undefined;
  let message = '';
  const program = cliProgram(
    (command) => {
      parsed = command;
      return Promise.resolve();
    },
    { now, output: { writeOut: () => undefined, writeErr: (text) => (message += text) } },
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') {
        return 'help';
      }
      throw new UsageError(message.trim() || error.message);
    }
    throw error;
  }
  if (!parsed) throw new UsageError('Name a command, e.g. apikey create');
  return parsed;
}

/** Carries out one command against the database. */
async function execute(command: CliCommand): Promise<void> {
  const config = scriptConfig();
  const client = await connectScriptClient(config);
  try {
    switch (command.command) {
      case 'tenant create': {
        const tenant = await createTenant(client, command.options);
        console.error(`${tenant.created ? 'Created' : 'Already there:'} tenant ${tenant.code}`);
        console.log(tenant.id);
        return;
      }
      case 'organisation create': {
        const organisation = await createOrganisation(client, command.options);
        console.error(
          `${organisation.created ? 'Created' : 'Already there:'} organisation "${organisation.name}"`,
        );
        console.log(organisation.id);
        return;
      }
      case 'admin create': {
        const { token: ttl, ...options } = command.options;
        const admin = await createAdmin(client, options);
        console.error(
          `${options.email} (subject ${options.subject}) is ${admin.role}` +
            (options.tenant ? ` of ${options.tenant.toUpperCase()} for ${options.org}` : ''),
        );
        if (ttl !== undefined) {
          if (!config.jwt.secret) {
            throw new UsageError(
              '--token needs JWT_SECRET: with JWT_JWKS_URL, tokens come from your identity provider',
            );
          }
          console.error(`A token for them, valid for ${ttl} (send "Authorization: Bearer …"):`);
          console.log(await signToken(config.jwt, options.subject, { expiresIn: ttl }));
        } else {
          console.error('They sign in with a token from your identity provider for that subject.');
        }
        return;
      }
      case 'apikey create': {
        const created = await createApiKeyFromCli(client, command.options);
        const { apiKey } = created;
        const expiry = apiKey.expiresAt
          ? `, expiring ${apiKey.expiresAt.toISOString()}`
          : ', not expiring';
        console.error(
          `Created the API key "${apiKey.name}" (prefix ${apiKey.prefix}) for ${created.organisationName} ` +
            `in ${created.tenantCodes.join(', ')} with scopes ${apiKey.scopes.join(', ')}${expiry}.`,
        );
        console.error(
          'Send it as the X-Api-Key header. It will not be shown again: only its hash is stored.',
        );
        console.log(created.token);
        return;
      }
    }
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  cliProgram(execute)
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      // Commander has printed its own message (or the help) already.
      if (error instanceof CommanderError) process.exit(error.exitCode);
      if (error instanceof UsageError) {
        console.error(`${error.message}\nRun with --help for usage.`);
      } else if (error instanceof ConfigError || error instanceof EmbeddedDatabaseInUseError) {
        console.error(error.message);
      } else {
        console.error(error instanceof Error ? error.message : error);
      }
      process.exit(1);
    });
}
