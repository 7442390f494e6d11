import { timingSafeEqual, createHash } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { RequestHandler } from 'express';
import { ForbiddenError } from '../errors/app-error';

/** Loopback, private (RFC 1918, unique-local) and link-local networks: where scrapers live. */
const internal = new BlockList();
internal.addSubnet('127.0.0.0', 8, 'ipv4');
internal.addSubnet('10.0.0.0', 8, 'ipv4');
internal.addSubnet('172.16.0.0', 12, 'ipv4');
internal.addSubnet('192.168.0.0', 16, 'ipv4');
internal.addSubnet('169.254.0.0', 16, 'ipv4');
internal.addAddress('::1', 'ipv6');
internal.addSubnet('fc00::', 7, 'ipv6');
internal.addSubnet('fe80::', 10, 'ipv6');

export function isInternalAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d.
  const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  return internal.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Lets internal clients through, and others only with `Authorization: Bearer <token>`. The
 * address is `req.ip`, so behind the edge proxy (TRUST_PROXY_HOPS=1) it is the real client.
 */
export function internalOnly(token: string | null): RequestHandler {
  const expected = token === null ? null : digest(token);
  return (req, _res, next) => {
    if (isInternalAddress(req.ip)) return next();
    const offered = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    // Equal-length digests: the comparison takes the same time whatever the offered token.
    if (expected !== null && offered !== undefined && timingSafeEqual(digest(offered), expected)) return next();
    next(new ForbiddenError('Metrics are served to internal addresses, or with the metrics token'));
  };
}
