// The review console's pages live in the URL hash, so a page can be reloaded or linked to (after
// signing in again: the token is kept in memory only).

export type Route = { page: 'sessions' } | { page: 'session'; sessionId: string } | { page: 'supervision' } | { page: 'live' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `#/sessions`, `#/sessions/<uuid>`, `#/supervision`, `#/live`; anything else is the session list. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'supervision' && parts.length === 1) return { page: 'supervision' };
  if (parts[0] === 'live' && parts.length === 1) return { page: 'live' };
  if (parts[0] === 'sessions' && parts.length === 2 && UUID.test(parts[1]!)) return { page: 'session', sessionId: parts[1]!.toLowerCase() };
  return { page: 'sessions' };
}

export function routeHash(r: Route): string {
  return r.page === 'session' ? `#/sessions/${r.sessionId}` : `#/${r.page}`;
}
