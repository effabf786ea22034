import { lookup as dnsLookup } from "node:dns/promises"
import { isIP } from "node:net"
import type { LookupAddress } from "node:dns"
import type { LookupFunction } from "node:net"
import { classifyAddress } from "./address-scope.ts"
import { resolveError } from "./errors.ts"

/** Every address a host name stands for (the shape of `dns.lookup` with `all: true`). */
export type LookupAddresses = (hostname: string) => Promise<readonly LookupAddress[]>

/** Which addresses the installer may fetch from. */
export interface NetworkPolicy {
  /** Loopback and private ranges too (link-local and metadata addresses never). */
  allowPrivateNetwork: boolean
  lookup: LookupAddresses
}

/** The system resolver, as `fetch` itself would use it. */
export const systemLookup: LookupAddresses = (hostname) => dnsLookup(hostname, { all: true })

/**
 * The addresses of `url`'s host, each checked against the policy: a literal IP as it is (the URL parser
 * has already turned `http://2852039166/` and `0251.0376.0251.0376` into dotted form), a name through
 * `policy.lookup`. One forbidden address refuses the whole name: a rebinding resolver may hand out a good
 * address and a bad one together. The caller connects only to the addresses returned (`pinnedLookup`),
 * so a second, different answer from DNS between this check and the connection cannot bypass it.
 *
 * @throws PluginError of kind `forbidden-address` naming the address, its range and how to allow it.
 */
export async function checkedAddresses(url: URL, policy: NetworkPolicy, signal: AbortSignal): Promise<LookupAddress[]> {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  const family = isIP(host)
  const addresses = family === 0 ? [...(await untilAborted(policy.lookup(host), signal))] : [{ address: host, family }]
  if (addresses.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: "ENOTFOUND" })
  for (const { address } of addresses) {
    const { scope, range } = classifyAddress(address)
    if (scope === "public" || (scope === "private" && policy.allowPrivateNetwork)) continue
    const where = family === 0 ? `${host} resolves to ${address}` : `the address is ${address}`
    const why = scope === "private"
      ? "fetching from loopback and private networks is off; allow it with the install option allowPrivateNetwork: true"
      : "the installer never fetches from link-local, cloud metadata or reserved addresses"
    throw resolveError("forbidden-address", `Refusing to fetch ${url.href}: ${where}, in ${range}; ${why}`)
  }
  return addresses
}

/** A `lookup` for node:net that answers only the addresses already checked, whatever DNS says now. */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) {
      callback(null, [...addresses])
      return
    }
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : (options.family ?? 0)
    const chosen = addresses.find((entry) => family === 0 || entry.family === family) ?? addresses[0]
    if (chosen === undefined) callback(Object.assign(new Error("no checked address"), { code: "ENOTFOUND" }), "")
    else callback(null, chosen.address, chosen.family)
  }
}

// dns.lookup cannot be cancelled; the fetch deadline must still hold while it hangs.
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    signal.addEventListener("abort", onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort))
  })
}
