import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Loopback and private ranges: the addresses of the box, its containers and its LAN. */
const internal = new BlockList();
internal.addSubnet('127.0.0.0', 8, 'ipv4');
internal.addSubnet('10.0.0.0', 8, 'ipv4');
internal.addSubnet('172.16.0.0', 12, 'ipv4');
internal.addSubnet('192.168.0.0', 16, 'ipv4');
internal.addAddress('::1', 'ipv6');
internal.addSubnet('fc00::', 7, 'ipv6');

const mappedIpv4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * Whether a client address (Express's `req.ip`, which behind Nginx with TRUST_PROXY_HOPS=1
 * is the address Nginx saw) is internal. Anything unparseable counts as external.
 */
export function isInternalAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = mappedIpv4.exec(address)?.[1] ?? address;
  if (isIPv4(v4)) return internal.check(v4, 'ipv4');
  if (isIPv6(address)) return internal.check(address, 'ipv6');
  return false;
}
