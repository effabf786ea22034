import type { UpstreamContainerInfo, UpstreamContainerStats, UpstreamHostMetrics } from "@dockstat/plugin-schema"

/** The parts of `GET /containers/{id}/stats?stream=false` the figures are computed from. */
interface EngineStats {
  cpu_stats?: CpuStats
  precpu_stats?: CpuStats
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> }
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null }
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] }
  system_cpu_usage?: number
  online_cpus?: number
}

/**
 * Upstream's `container:metrics` `stats`: the container, the Engine's raw answer, and the figures
 * `docker stats` shows, computed the same way (CPU from the two samples the Engine took a second apart;
 * memory without the page cache).
 *
 * @example
 * containerStats(info, await engineJson(target, { path: `/containers/${id}/stats?stream=false` }))
 */
export function containerStats(info: UpstreamContainerInfo, raw: Record<string, unknown>): UpstreamContainerStats {
  const stats = raw as EngineStats
  let networkRx = 0
  let networkTx = 0
  for (const network of Object.values(stats.networks ?? {})) {
    networkRx += number(network.rx_bytes)
    networkTx += number(network.tx_bytes)
  }
  let blockRead = 0
  let blockWrite = 0
  for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op?.toLowerCase()
    if (op === "read") blockRead += number(entry.value)
    else if (op === "write") blockWrite += number(entry.value)
  }
  return {
    ...info,
    stats: raw,
    cpuUsage: cpuPercent(stats.cpu_stats, stats.precpu_stats),
    memoryUsage: memoryUsage(stats.memory_stats),
    memoryLimit: number(stats.memory_stats?.limit),
    networkRx,
    networkTx,
    blockRead,
    blockWrite,
  }
}

/** The part of `GET /info` host metrics are built from. */
export interface EngineInfo {
  ServerVersion?: string
  OperatingSystem?: string
  Architecture?: string
  MemTotal?: number
  NCPU?: number
  KernelVersion?: string
  Containers?: number
  ContainersRunning?: number
  ContainersStopped?: number
  ContainersPaused?: number
  Images?: number
  SystemTime?: string
}

/** Upstream's `host:metrics` `metrics` from `/info`; the API version is the one the Engine answered with. */
export function hostMetrics(host: { id: UpstreamHostMetrics["hostId"]; name: string }, info: EngineInfo, apiVersion: string): UpstreamHostMetrics {
  return {
    hostId: host.id,
    hostName: host.name,
    dockerVersion: info.ServerVersion ?? "",
    apiVersion,
    os: info.OperatingSystem ?? "",
    architecture: info.Architecture ?? "",
    totalMemory: number(info.MemTotal),
    totalCPU: number(info.NCPU),
    kernelVersion: info.KernelVersion ?? "",
    containers: number(info.Containers),
    containersRunning: number(info.ContainersRunning),
    containersStopped: number(info.ContainersStopped),
    containersPaused: number(info.ContainersPaused),
    images: number(info.Images),
    systemTime: info.SystemTime ?? "",
  }
}

function cpuPercent(now: CpuStats | undefined, before: CpuStats | undefined): number {
  const cpuDelta = number(now?.cpu_usage?.total_usage) - number(before?.cpu_usage?.total_usage)
  const systemDelta = number(now?.system_cpu_usage) - number(before?.system_cpu_usage)
  const cpus = number(now?.online_cpus) || now?.cpu_usage?.percpu_usage?.length || 1
  return cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0
}

// cgroup v2 reports the page cache as inactive_file, v1 as cache (total_inactive_file on some kernels).
function memoryUsage(memory: EngineStats["memory_stats"]): number {
  const usage = number(memory?.usage)
  const stats = memory?.stats ?? {}
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? stats.cache ?? 0
  return cache < usage ? usage - number(cache) : usage
}

function number(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0
}
