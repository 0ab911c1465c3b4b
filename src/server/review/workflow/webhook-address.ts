import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses a webhook may not reach unless `allowPrivateAddresses`: this host, private networks, link-local (cloud metadata), CGNAT, unspecified. */
const INTERNAL = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

/** The error a refused delivery records (no request is sent). */
export const ADDRESS_NOT_ALLOWED = 'address not allowed (loopback, private or link-local)';

/**
 * The addresses `url`'s host resolves to that are internal (empty: the delivery may go). An IP
 * literal is checked as it is; IPv4-mapped IPv6 addresses are checked as IPv4. A name that does
 * not resolve throws (the delivery fails as fetch would).
 */
export async function internalAddresses(url: string): Promise<string[]> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const addrs = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  return addrs.filter((a) => INTERNAL.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4')).map((a) => a.address);
}
