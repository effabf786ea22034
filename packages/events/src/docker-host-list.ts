import { PluginError } from "@dockstat/plugin-schema"

import type { DockerHostConfig } from "@dockstat/plugin-schema"

import { checkDockerHosts } from "./docker-hosts.ts"

/**
 * Reads a list of Docker hosts from one setting (an environment variable): a JSON array of
 * `{ id, name, host }`, or `id=name=address` entries separated by commas. Digit-only ids become numbers
 * (upstream's ids are). Throws an error naming the bad entry.
 *
 * @example
 * parseDockerHostList("1=local=unix:///var/run/docker.sock,2=nas=tcp://10.0.0.5:2375")
 * // [{ id: 1, name: "local", host: "unix:///var/run/docker.sock" }, { id: 2, name: "nas", host: "tcp://10.0.0.5:2375" }]
 */
export function parseDockerHostList(text: string, setting = "DOCKSTAT_DOCKER_HOSTS"): DockerHostConfig[] {
  const trimmed = text.trim()
  let list: unknown
  if (trimmed.startsWith("[")) {
    try {
      list = JSON.parse(trimmed)
    } catch (error) {
      throw invalid(setting, `not valid JSON (${(error as Error).message})`)
    }
  } else {
    list = trimmed
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .map((entry, index) => {
        const first = entry.indexOf("=")
        const second = first === -1 ? -1 : entry.indexOf("=", first + 1)
        if (second === -1) throw invalid(setting, `entry ${index + 1} "${entry}" is not id=name=address`)
        const id = entry.slice(0, first).trim()
        return { id: /^\d+$/.test(id) ? Number(id) : id, name: entry.slice(first + 1, second).trim(), host: entry.slice(second + 1).trim() }
      })
  }
  if (Array.isArray(list) && list.length === 0) throw invalid(setting, "lists no host")
  return checkDockerHosts(list, setting)
}

function invalid(setting: string, reason: string): PluginError {
  return new PluginError("INVALID_INPUT", `${setting}: ${reason}`, { data: { option: setting } })
}
