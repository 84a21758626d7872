import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

/* One signed POST to an endpoint, safe against server-side request forgery: https only, every
 * address the name resolves to must be public, checked in the socket's own lookup (so a name
 * that resolves to a public address when checked and a private one when connecting — DNS
 * rebinding — cannot slip through), and redirects are never followed. */

/** Loopback, private, link-local, shared, multicast and reserved ranges (IPv4 and IPv6). */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');
}
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a delivery may connect to this address. */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address is the IPv4 address it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return addressAllowed(mapped[1]!, allowLoopback);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return addressAllowed(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, allowLoopback);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allowLoopback && LOOPBACK.check(address, type)) return true;
  return !NOT_PUBLIC.check(address, type);
}

/** Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per secret. */
export function signatures(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      return `v1,${mac}`;
    })
    .join(' ');
}

export type SendResult = Readonly<{
  status: number | null;
  error: string | null;
  retryAfterS: number | null;
  durationMs: number;
}>;

class RefusedAddress extends Error {}

/** POSTs `body` with the given headers; never throws. */
export function send(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowLoopback: boolean },
): Promise<SendResult> {
  const started = Date.now();
  const done = (result: Omit<SendResult, 'durationMs'>): SendResult => ({
    ...result,
    durationMs: Date.now() - started,
  });
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(done({ status: null, error: 'invalid URL', retryAfterS: null }));
      return;
    }
    const secure = target.protocol === 'https:';
    if (!secure && !(options.allowLoopback && target.protocol === 'http:')) {
      resolve(done({ status: null, error: 'only https URLs are allowed', retryAfterS: null }));
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // A literal address is never looked up: check it here.
    if (isIP(host) && !addressAllowed(host, options.allowLoopback)) {
      resolve(done({ status: null, error: `address ${host} is not public`, retryAfterS: null }));
      return;
    }
    const checkedLookup = (
      hostname: string,
      lookupOptions: object,
      callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
    ) => {
      dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
        if (err) return callback(err, []);
        const refused = addresses.find((a) => !addressAllowed(a.address, options.allowLoopback));
        if (refused) {
          return callback(
            new RefusedAddress(`${hostname} resolves to ${refused.address}, which is not public`),
            [],
          );
        }
        const all = (lookupOptions as { all?: boolean }).all;
        if (all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
    const request = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        lookup: checkedLookup,
        timeout: options.timeoutMs,
        // No agent: a pooled socket would skip the lookup of a later request.
        agent: false,
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? null;
          const header = response.headers['retry-after'];
          resolve(done({ status, error: null, retryAfterS: retryAfter(header) }));
        });
        response.on('error', () =>
          resolve(
            done({
              status: response.statusCode ?? null,
              error: 'response aborted',
              retryAfterS: null,
            }),
          ),
        );
      },
    );
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve(done({ status: null, error: error.message.slice(0, 300), retryAfterS: null }));
    });
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}

/** Retry-After in seconds (delta or HTTP date), or null. */
function retryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}
