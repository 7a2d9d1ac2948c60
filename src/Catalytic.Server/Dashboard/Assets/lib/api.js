// Calls to the server's API as the signed-in browser: the session cookie goes by itself, the CSRF token
// (from <meta name="csrf-token">) goes with every state-changing request, refusals become Errors with the
// problem document's detail.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

// `body` is the answer's JSON when there was one (a dispatch's errors, a problem document's field).
export class ApiError extends Error {
  constructor(status, message, body = null) { super(message); this.status = status; this.body = body; }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (r.status === 401 && !path.startsWith('/api/session')) {
    location.assign('/sign-in?next=' + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, 'signed out');
  }
  const text = await r.text();
  const json = text && (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : null;
  if (!r.ok) throw new ApiError(r.status, json?.detail || json?.errors?.join('; ') || json?.title || `${r.status} ${r.statusText}`, json);
  return json;
}

// Calls onChange whenever the server says what the pages show has changed (Server-Sent Events), and shows
// the stream's state in the page's live region.
export function live(onChange) {
  const status = document.getElementById('live');
  const source = new EventSource('/api/dashboard/events');
  source.addEventListener('hello', () => { if (status) status.textContent = 'Live: updates as they happen.'; });
  source.addEventListener('deployments', () => onChange());
  source.onerror = () => { if (status) status.textContent = 'Reconnecting to live updates…'; };
  addEventListener('pagehide', () => source.close());
  return source;
}
