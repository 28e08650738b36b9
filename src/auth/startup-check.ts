import net from 'node:net';

/** Raised at start when the server would listen beyond loopback without any API key. */
export class AuthNotConfiguredError extends Error {
  constructor(host: string) {
    super(
      `Refusing to listen on ${host} without API keys: anyone who can reach that interface could read and delete every face. ` +
        'Set FACEMATCH_ADMIN_KEY to a key from `npx tsx src/cli.ts generate-key` (stored hashed at start), ' +
        'or create one in the database with `npx tsx src/cli.ts create-key --name NAME`, ' +
        'or set FACEMATCH_HOST=127.0.0.1 to serve this machine only.',
    );
    this.name = 'AuthNotConfiguredError';
  }
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x.x.x and "localhost", which only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') {
    return true;
  }
  if (net.isIPv4(bare)) {
    return bare.startsWith('127.');
  }
  if (net.isIPv6(bare)) {
    return bare === '::1' || /^::ffff:127\./.test(bare);
  }
  return false;
}

/**
 * Checks before listening that a server reachable from other machines requires API keys.
 * `activeKeys` counts keys that are not revoked, the bootstrap key from FACEMATCH_ADMIN_KEY included.
 * Throws AuthNotConfiguredError when `host` is not loopback and there is no active key.
 */
export function checkAuthConfigured(host: string, activeKeys: number): void {
  if (activeKeys === 0 && !isLoopbackHost(host)) {
    throw new AuthNotConfiguredError(host);
  }
}
