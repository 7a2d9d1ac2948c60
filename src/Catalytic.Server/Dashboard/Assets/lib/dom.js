// Small DOM helpers. Text is always set with textContent (never innerHTML), so nothing from the server or a
// person is ever parsed as markup.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Every status carries an icon and a word, not only a colour.
const icons = {
  succeeded: '✓', success: '✓', healthy: '✓', pass: '✓', approved: '✓',
  failed: '✗', failure: '✗', unhealthy: '✗', fail: '✗',
  'rolled-back': '↩', rejected: '⊘', cancelled: '⊘', superseded: '↷', skipped: '↷',
  'waiting-for-approval': '‖', waiting: '‖', inconclusive: '?',
  'in-progress': '▶', analysing: '◔', running: '▶', starting: '◔', pending: '○', queued: '○',
};

export function badge(state) {
  const s = String(state || 'unknown');
  return el('span', { class: `badge s-${s.replace(/[^a-z-]/g, '')}` }, el('span', { 'aria-hidden': 'true', text: icons[s] ?? '•' }), ' ', s.replaceAll('-', ' '));
}

// A run's or job's state in the badge's words: its conclusion once completed, else its status (GitHub's
// in_progress written in-progress).
export function runState(r) {
  return String(r.status === 'completed' ? (r.conclusion ?? 'completed') : r.status).replaceAll('_', '-');
}

// How long something ran: start to finish, or to now while it runs; '' before it starts.
export function span(startedAt, finishedAt) {
  if (!startedAt) return '';
  return duration(Math.max(0, (finishedAt ? Date.parse(finishedAt) : Date.now()) - Date.parse(startedAt)));
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return el('time', { datetime: d.toISOString(), title: d.toISOString() }, d.toLocaleString());
}

export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function replace(target, ...children) {
  target.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
}

export function message(target, text, kind = 'error') {
  replace(target, el('p', { class: kind, role: kind === 'error' ? 'alert' : 'status', text }));
}

export function can(role) {
  const order = ['viewer', 'developer', 'approver', 'admin'];
  return order.indexOf(document.body.dataset.role) >= order.indexOf(role);
}

// The click handler of a page's action button, for (label, run): the button is disabled at once (the redraw that
// follows makes it anew), the page holds its live redraws while `run` goes (setBusy), `status` says what happened —
// "Label…", "Label: done." or "Label refused: why" — and the page is redrawn whatever the outcome.
export function actionHandler(status, setBusy, redraw) {
  return (label, run) => async ev => {
    ev.currentTarget.disabled = true;
    setBusy(true);
    status.textContent = `${label}…`;
    try {
      await run();
      status.textContent = `${label}: done.`;
    } catch (e) {
      status.textContent = `${label} refused: ${e.message}`;
    } finally {
      setBusy(false);
      redraw();
    }
  };
}
