// Runs: the newest runs of every repository (or those the filters keep: repository, branch, status), redrawn
// whenever the event stream says something changed. The filters live in the address (?repo=&branch=&status=), so
// a filtered list can be linked to and survives a reload. Older runs are a page at a time by keyset (?before=ID: the
// runs older than that one), which costs the store the same at run 100,000 as at run 100.
import { api, live } from '../lib/api.js';
import { el, badge, when, replace, message, runState, span } from '../lib/dom.js';

const PAGE = 100;
const STATUSES = ['', 'queued', 'pending', 'waiting', 'in_progress', 'completed'];

export function start(view) {
  const params = new URLSearchParams(location.search);
  const field = (name, label, input) => el('div', { class: 'field' }, el('label', { for: `f-${name}`, text: label }), input);
  const repo = el('input', { id: 'f-repo', name: 'repo', value: params.get('repo') ?? '', placeholder: 'all', autocomplete: 'off' });
  const branch = el('input', { id: 'f-branch', name: 'branch', value: params.get('branch') ?? '', placeholder: 'all', autocomplete: 'off' });
  const status = el('select', { id: 'f-status', name: 'status' }, STATUSES.map(s => el('option', { value: s, selected: s === (params.get('status') ?? ''), text: s ? s.replace('_', ' ') : 'any' })));
  const list = el('div', { id: 'runs' }, el('p', { class: 'loading', text: 'Loading…' }));
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the runs' },
    field('repo', 'Repository', repo), field('branch', 'Branch', branch), field('status', 'Status', status),
    el('button', { type: 'submit', text: 'Filter' }));

  const query = () => {
    const q = new URLSearchParams();
    if (repo.value.trim()) q.set('repo', repo.value.trim());
    if (branch.value.trim()) q.set('branch', branch.value.trim());
    if (status.value) q.set('status', status.value);
    return q;
  };
  const draw = async () => {
    try {
      const q = query();
      const before = new URLSearchParams(location.search).get('before');
      if (before) q.set('before', before);
      q.set('limit', String(PAGE));
      const runs = await api(`/api/runs?${q}`);
      const older = query();
      if (runs.length) older.set('before', String(runs[runs.length - 1].id));
      replace(list, table(runs), el('nav', { class: 'pages', 'aria-label': 'Pages of runs' },
        before ? el('a', { href: `?${query()}`, text: '← Newest runs' }) : null,
        runs.length === PAGE ? el('a', { href: `?${older}`, rel: 'next', text: 'Older runs →' }) : null));
    } catch (e) {
      message(list, `Could not read the runs: ${e.message}`);
    }
  };
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const q = query().toString();
    history.replaceState(null, '', q ? `?${q}` : location.pathname);
    draw();
  });
  status.addEventListener('change', () => form.requestSubmit());
  replace(view, form, list);
  draw();
  live(draw);
}

function table(runs) {
  if (!runs.length) return el('p', { class: 'muted', text: 'No run matches. A commit, a push or a dispatch starts one.' });
  const rows = runs.map(r => el('tr', { 'data-run': r.id },
    el('td', {}, el('a', { href: `/runs/${r.id}`, text: `#${r.id}` })),
    el('td', { text: r.repository }),
    el('td', {}, el('span', { text: r.workflow }), el('span', { class: 'muted', text: ` ${r.runNumber}${r.attempt > 1 ? ` · attempt ${r.attempt}` : ''}` })),
    el('td', { text: r.event }),
    el('td', {}, el('code', { text: r.ref.replace(/^refs\/(heads|tags)\//, '') })),
    el('td', { class: 'commit' }, el('code', { title: r.sha, text: r.sha.slice(0, 7) }), r.commitMessage ? el('span', { class: 'message', title: r.commitMessage, text: r.commitMessage }) : null),
    el('td', { text: r.actor }),
    el('td', {}, badge(runState(r))),
    el('td', { text: span(r.startedAt, r.finishedAt) }),
    el('td', {}, when(r.startedAt ?? r.createdAt))));
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Runs' },
    el('table', { class: 'runs' }, el('thead', {}, el('tr', {}, ['Run', 'Repository', 'Workflow', 'Event', 'Ref', 'Commit', 'Actor', 'Status', 'Duration', 'Started'].map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows)));
}
