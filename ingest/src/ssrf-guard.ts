// Keeps feed fetches out of the machine's own network: every address a feed URL (or a redirect) leads
// to is checked, and the socket connects to exactly the address that was checked.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher } from 'undici';

/** Thrown when a URL or the address it resolves to may not be fetched. */
export class AddressRefusedError extends Error {
  readonly code = 'FEED_ADDRESS_REFUSED';
  readonly retriable = false;
}

/** Names that mean "this host" or a cloud metadata service whatever DNS says about them. */
const REFUSED_NAMES = [/^localhost$/i, /\.localhost$/i, /^metadata\.google\.internal$/i, /^metadata$/i, /^instance-data(\.ec2\.internal)?$/i];

type LookupCallback = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
/** `dns.lookup` with `all: true`; injectable so tests can make a name resolve anywhere. */
export type ResolveAll = (hostname: string, family: number, callback: LookupCallback) => void;

const systemResolve: ResolveAll = (hostname, family, callback) =>
  dnsLookup(hostname, { all: true, family: family === 4 || family === 6 ? family : 0 }, callback);

/**
 * Why an address is refused, or null when it is public unicast. Only ipaddr.js's `unicast` range
 * passes: loopback, RFC 1918, link-local (169.254.169.254 metadata included), CGNAT (Alibaba's
 * 100.100.100.200), unique-local (AWS's fd00:ec2::254), reserved, multicast, and every IPv6 form
 * that embeds an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused.
 */
export function refusalOf(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const ip = ipaddr.parse(address);
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

/** Strips the brackets WHATWG URL keeps around IPv6 literals. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export interface SsrfGuardOptions {
  /**
   * Hosts exempt from the checks: IP addresses, CIDR ranges (`10.0.0.0/8`) or host names, as
   * configured (BAROMETER_INGEST_ALLOW_PRIVATE_HOSTS). Tests allow 127.0.0.1.
   */
  allow?: string[];
  resolve?: ResolveAll;
  connectTimeoutMs?: number;
}

export interface SsrfGuard {
  /** Throws AddressRefusedError for a non-http(s) URL, a refused name, or a refused IP literal (any notation). */
  checkUrl(url: URL): void;
  /** Whether an address may be connected to (public unicast, or allowed by configuration). */
  addressAllowed(address: string, hostname?: string): boolean;
  /** An undici dispatcher whose DNS answers are checked inside the connect, so rebinding between check and connect cannot happen. */
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function createSsrfGuard(opts: SsrfGuardOptions = {}): SsrfGuard {
  const allowedNames = new Set<string>();
  const allowedRanges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of opts.allow ?? []) {
    const e = bareHost(entry.trim());
    if (e.length === 0) continue;
    if (e.includes('/') && ipaddr.isValidCIDR(e)) allowedRanges.push(ipaddr.parseCIDR(e));
    else if (ipaddr.isValid(e)) {
      const ip = ipaddr.parse(e);
      allowedRanges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else allowedNames.add(e.toLowerCase());
  }
  const resolve = opts.resolve ?? systemResolve;

  function addressAllowed(address: string, hostname?: string): boolean {
    if (hostname !== undefined && allowedNames.has(bareHost(hostname).toLowerCase())) return true;
    if (!ipaddr.isValid(address)) return false;
    const ip = ipaddr.parse(address);
    if (allowedRanges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return true;
    return refusalOf(address) === null;
  }

  function checkUrl(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AddressRefusedError(`${url.protocol} URLs are not fetched`);
    // WHATWG URL has already turned decimal, hex and octal IPv4 forms (2130706433, 0x7f.1, 0177.0.0.1) into dotted quads.
    const host = bareHost(url.hostname);
    if (allowedNames.has(host.toLowerCase())) return;
    if (ipaddr.isValid(host)) {
      if (!addressAllowed(host)) throw new AddressRefusedError(`address ${host} is ${refusalOf(host) ?? 'refused'}`);
      return;
    }
    if (REFUSED_NAMES.some((re) => re.test(host))) throw new AddressRefusedError(`host ${host} is refused`);
  }

  // net.connect calls this for names (never for IP literals, which checkUrl covers) and connects to what it returns.
  const lookup = (
    hostname: string,
    options: { family?: number | 'IPv4' | 'IPv6'; all?: boolean },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    resolve(hostname, family, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !addressAllowed(a.address, hostname));
      if (refused) return callback(new AddressRefusedError(`${hostname} resolves to ${refused.address} (${refusalOf(refused.address) ?? 'refused'})`), []);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };

  const agent = new Agent({ connect: { lookup, timeout: opts.connectTimeoutMs ?? 10_000 }, keepAliveTimeout: 10_000 });
  return { checkUrl, addressAllowed, dispatcher: agent, close: () => agent.close() };
}
