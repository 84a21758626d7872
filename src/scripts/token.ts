import { parseArgs } from 'node:util';
import { signToken } from '../auth/tokens';
import { connectScriptClient, scriptConfig } from './script-env';

/**
 * `npm run token -- --user <email>`: mints a development token for a seeded demo user.
 * Refuses in production, where tokens come from the identity provider.
 */
async function main(): Promise<void> {
  const config = scriptConfig();
  if (config.isProduction)
    throw new Error('npm run token is for development only; it refuses when NODE_ENV=production');
  const usage = 'Usage: npm run token -- --user <email of a seeded user> [--ttl 8h]';
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.error(usage);
    return;
  }
  if (!values.user) throw new Error(usage);
  const client = await connectScriptClient(config);
  try {
    const result = await client.query<{ subject: string }>(
      'SELECT subject FROM users WHERE lower(email) = lower($1)',
      [values.user],
    );
    const rows = result.rows;
    if (rows.length === 0)
      throw new Error(`No user with the email ${values.user}; see the README for the demo users`);
    console.log(await signToken(config.jwt, rows[0]!.subject, { expiresIn: values.ttl }));
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
