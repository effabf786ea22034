import { isIPv4, isIPv6 } from "node:net"

/**
 * Where an IP address leads, as the installer's network policy sees it:
 * - `public`: the internet, always fetched from
 * - `private`: this host or a local network (loopback, RFC 1918, unique local, CGNAT, "this network"),
 *   fetched from only with `allowPrivateNetwork`
 * - `link-local`: link-local and known cloud metadata addresses, never fetched from: an instance's
 *   metadata service hands out its credentials to any process that asks
 * - `reserved`: multicast, broadcast and reserved space, never a web server
 */
export type AddressScope = "public" | "private" | "link-local" | "reserved"

export interface AddressClass {
  scope: AddressScope
  /** The range the address is in, for messages: "link-local (169.254.0.0/16)". */
  range: string
}

type Rule = readonly [prefix: string, bits: number, scope: AddressScope, name: string]

// Most specific first: the first rule that contains the address decides.
const IPV4_RULES: readonly Rule[] = [
  ["100.100.100.200", 32, "link-local", "Alibaba Cloud metadata"],
  ["169.254.0.0", 16, "link-local", "link-local and cloud metadata"],
  ["127.0.0.0", 8, "private", "loopback"],
  // Connecting to 0.0.0.0 reaches this host on Linux and macOS.
  ["0.0.0.0", 8, "private", "this host"],
  ["10.0.0.0", 8, "private", "private network"],
  ["172.16.0.0", 12, "private", "private network"],
  ["192.168.0.0", 16, "private", "private network"],
  // Carrier-grade NAT: not the internet; Tailscale and similar overlays hand out addresses here.
  ["100.64.0.0", 10, "private", "CGNAT shared address space"],
  ["224.0.0.0", 4, "reserved", "multicast"],
  ["240.0.0.0", 4, "reserved", "reserved and broadcast"],
]

const IPV6_RULES: readonly Rule[] = [
  ["fd00:ec2::254", 128, "link-local", "AWS metadata"],
  ["fe80::", 10, "link-local", "link-local"],
  ["::1", 128, "private", "loopback"],
  ["::", 128, "private", "this host"],
  ["fc00::", 7, "private", "unique local"],
  ["fec0::", 10, "private", "site-local"],
  ["ff00::", 8, "reserved", "multicast"],
]

// IPv6 forms that carry an IPv4 address in their last 32 bits, and reach it: IPv4-mapped
// (::ffff:169.254.169.254), IPv4-compatible (::169.254.169.254) and NAT64 (64:ff9b::169.254.169.254).
const EMBEDS_IPV4: readonly (readonly [prefix: string, bits: number])[] = [
  ["::ffff:0:0", 96],
  ["::", 96],
  ["64:ff9b::", 96],
]

/**
 * Classifies an IP address (v4 or v6, as `net.isIP` accepts it); an IPv6 address that embeds an IPv4
 * one is classified by that IPv4 address.
 *
 * @example
 * classifyAddress("169.254.169.254") // { scope: "link-local", range: "link-local and cloud metadata (169.254.0.0/16)" }
 * classifyAddress("::ffff:10.0.0.1") // { scope: "private", range: "private network (10.0.0.0/8)" }
 */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return match(ipv4Bits(address), 32n, IPV4_RULES)
  if (!isIPv6(address)) throw new TypeError(`Not an IP address: ${address}`)
  const bits = ipv6Bits(address)
  const special = match(bits, 128n, IPV6_RULES)
  // :: and ::1 are inside ::/96 but are IPv6's own unspecified and loopback addresses.
  if (bits < 2n) return special
  for (const [prefix, length] of EMBEDS_IPV4) {
    if (inRange(bits, 128n, ipv6Bits(prefix), BigInt(length))) return match(bits & 0xffff_ffffn, 32n, IPV4_RULES)
  }
  return special
}

function match(bits: bigint, width: bigint, rules: readonly Rule[]): AddressClass {
  for (const [prefix, length, scope, name] of rules) {
    const base = width === 32n ? ipv4Bits(prefix) : ipv6Bits(prefix)
    if (inRange(bits, width, base, BigInt(length))) return { scope, range: `${name} (${prefix}/${length})` }
  }
  return { scope: "public", range: "public" }
}

function inRange(bits: bigint, width: bigint, base: bigint, length: bigint): boolean {
  const shift = width - length
  return bits >> shift === base >> shift
}

function ipv4Bits(address: string): bigint {
  return address.split(".").reduce((bits, part) => (bits << 8n) | BigInt(Number(part)), 0n)
}

/** An address `net.isIPv6` accepts, as a 128-bit number (a zone such as `%eth0` is ignored). */
function ipv6Bits(address: string): bigint {
  let text = address.split("%", 1)[0] ?? ""
  const lastColon = text.lastIndexOf(":")
  const tail = text.slice(lastColon + 1)
  if (tail.includes(".")) {
    const v4 = ipv4Bits(tail)
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const [head = "", rest] = text.split("::")
  const headGroups = head === "" ? [] : head.split(":")
  const tailGroups = rest === undefined || rest === "" ? [] : rest.split(":")
  const zeros = rest === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill("0")
  return [...headGroups, ...zeros, ...tailGroups].reduce((bits, group) => (bits << 16n) | BigInt(Number.parseInt(group, 16)), 0n)
}
