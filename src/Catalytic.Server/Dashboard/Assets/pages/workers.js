// Workers: every worker the server has seen (the embedded one and `catalytic worker`s), its labels, capacity,
// how many jobs it runs now and when it was last heard from. Redrawn on the event stream.
import { api, live } from '../lib/api.js';
import { el, badge, when, replace, message } from '../lib/dom.js';

export function start(view) {
  const draw = async () => {
    try {
      replace(view, table(await api('/api/workers')));
    } catch (e) {
      message(view, `Could not read the workers: ${e.message}`);
    }
  };
  draw();
  live(draw);
}

function table(workers) {
  if (!workers.length) return el('p', { class: 'muted', text: 'No worker yet: serve runs one unless --worker-capacity 0; `catalytic worker` adds more.' });
  const rows = workers.map(w => el('tr', {},
    el('td', {}, el('strong', { text: w.name }), w.embedded ? el('span', { class: 'tag', text: 'embedded' }) : null),
    el('td', {}, badge(w.lost ? 'failed' : w.busy ? 'running' : 'healthy'), w.lost ? ' (lost)' : ''),
    el('td', {}, el('ul', { class: 'labels' }, w.labels.map(l => el('li', {}, el('code', { text: l }))))),
    el('td', { text: String(w.capacity) }),
    el('td', { text: String(w.busy) }),
    el('td', {}, when(w.lastSeen))));
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Workers' },
    el('table', {}, el('thead', {}, el('tr', {}, ['Worker', 'State', 'Labels', 'Capacity', 'Busy', 'Last seen'].map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows)));
}
