import { z } from "zod"

/** A Docker host id: upstream's numbers, or a short name-like string. */
export const DOCKER_HOST_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export const dockerHostIdSchema = z.union([
  z.number().int("a host id must be an integer or a string").positive("a host id must be positive").max(Number.MAX_SAFE_INTEGER),
  z.string().regex(DOCKER_HOST_ID, "a host id string must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
])

/** One Docker Engine the host reads events from: `{ id, name, host }` (`host` in DOCKER_HOST form). */
export const dockerHostSchema = z.strictObject({
  id: dockerHostIdSchema,
  name: z.string().trim().min(1, "name must not be empty").max(100),
  host: z.string().trim().min(1, "host must be a DOCKER_HOST address (unix:///path or tcp://host:port)"),
  /** Where this host's events start (engine seconds or RFC 3339); else the handler's `since`, else now. */
  since: z.string().min(1).optional(),
})

/** The hosts of a handler: ids unique (every payload names its host by id). */
export const dockerHostsSchema = z.array(dockerHostSchema).superRefine((hosts, ctx) => {
  const seen = new Map<string, number>()
  hosts.forEach((host, index) => {
    const key = String(host.id)
    const first = seen.get(key)
    if (first !== undefined) ctx.addIssue({ code: "custom", path: [index, "id"], message: `id ${JSON.stringify(host.id)} is already used by host ${first}` })
    else seen.set(key, index)
  })
})

export type DockerHostConfig = z.infer<typeof dockerHostSchema>
