/** A route key: `/path`, `/items/:id`, or `METHOD /path`. */
export const ROUTE_KEY = /^(?:(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+)?(\/[A-Za-z0-9._~!$&'()*+,;=:@%\/-]*)$/i
