// The admin page's only script: it feeds the live log from GET /api/v2/events (Server-Sent Events).
// Everything else on the page is plain HTML forms and works without it.

const MAX_ITEMS = 200
const ERRORS = new Set(["load-failed", "install-failed", "update-failed", "hook-failed", "action-failed", "crash"])
const CHANGES = new Set(["install", "update", "delete", "activate", "deactivate"])
const LABELS = {
  load: "loaded",
  "load-failed": "load failed",
  unload: "unloaded",
  activate: "activated",
  deactivate: "deactivated",
  install: "installed",
  "install-failed": "install failed",
  update: "updated",
  "update-failed": "update failed",
  delete: "deleted",
  event: "event",
  "hook-failed": "hook failed",
  "action-failed": "action failed",
  crash: "crash",
}

const section = document.querySelector("[data-live-log]")
if (section) startLiveLog(section)

function startLiveLog(section) {
  const list = section.querySelector("[data-log-list]")
  const status = section.querySelector("[data-log-status]")
  const onlyPlugin = section.dataset.pluginId === undefined ? undefined : Number(section.dataset.pluginId)
  const source = new EventSource("/api/v2/events")

  source.addEventListener("open", () => {
    status.textContent = onlyPlugin === undefined ? "Live: new activity appears at the top." : "Live: this plugin's new activity appears at the top."
  })
  source.addEventListener("error", () => {
    status.textContent = source.readyState === EventSource.CLOSED ? "Disconnected. Reload the page to reconnect." : "Reconnecting…"
  })
  source.addEventListener("activity", (event) => {
    const activity = JSON.parse(event.data)
    if (onlyPlugin !== undefined && activity.pluginId !== onlyPlugin) return
    add(list, item(activity))
  })
  source.addEventListener("dropped", (event) => {
    const { dropped } = JSON.parse(event.data)
    const note = document.createElement("li")
    note.textContent = `${dropped} older entr${dropped === 1 ? "y was" : "ies were"} skipped (the connection fell behind).`
    add(list, note)
  })
  // Leaving the page ends the stream at once rather than when the server notices.
  window.addEventListener("pagehide", () => source.close())
}

function item(activity) {
  const li = document.createElement("li")
  li.dataset.kind = activity.kind
  const time = document.createElement("time")
  time.dateTime = activity.at
  time.textContent = new Date(activity.at).toLocaleTimeString()
  const badge = document.createElement("span")
  badge.className = `badge ${ERRORS.has(activity.kind) ? "kind-error" : CHANGES.has(activity.kind) ? "kind-change" : ""}`
  badge.textContent = LABELS[activity.kind] ?? activity.kind
  const message = document.createElement("span")
  message.className = "message"
  message.textContent = activity.message
  li.append(time, badge, message)
  return li
}

function add(list, li) {
  list.prepend(li)
  while (list.children.length > MAX_ITEMS) list.lastElementChild.remove()
}
