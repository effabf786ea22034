import type { Location } from "./location.ts"

/** The seed's repository kinds. */
export type RepoType = "github" | "gitlab" | "local" | "default"

function fromHost(hostname: string): RepoType {
  const host = hostname.toLowerCase()
  if (host === "github.com" || host.endsWith(".github.com") || host === "raw.githubusercontent.com" || host.endsWith(".githubusercontent.com")) {
    return "github"
  }
  // Self-hosted GitLab lives on its own domain, conventionally gitlab.<company>.
  if (host === "gitlab.com" || host.endsWith(".gitlab.com") || host.startsWith("gitlab.")) return "gitlab"
  return "default"
}

/**
 * Guesses `repoType` for a manifest that does not give one: from the repository when it is an http(s)
 * URL (a manifest on example.com may still name a GitHub repository), else from where the manifest came
 * from: GitHub or GitLab hosts, "local" for a file, "default" for any other web host.
 */
export function inferRepoType(repository: string | undefined, source: Location): RepoType {
  if (repository !== undefined && URL.canParse(repository)) {
    const url = new URL(repository)
    if (url.protocol === "http:" || url.protocol === "https:") return fromHost(url.hostname)
  }
  return source.kind === "file" ? "local" : fromHost(source.url.hostname)
}
