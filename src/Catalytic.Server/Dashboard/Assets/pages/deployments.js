// Deployments: each app and environment (live version, traffic split, instances and their health), then the
// history. Redrawn whenever the event stream says something changed.
import { api, live } from '../lib/api.js';
import { el, badge, when, replace, message } from '../lib/dom.js';

export function start(view) {
  const draw = async () => {
    try {
      const page = await api('/api/dashboard/deployments?limit=50');
      replace(view, environments(page.environments), history(page.history));
    } catch (e) {
      message(view, `Could not read the deployments: ${e.message}`);
    }
  };
  draw();
  live(draw);
}

function environments(list) {
  if (!list.length) return el('p', { text: 'No app is configured: add one to catalytic.yml.' });
  return el('section', { 'aria-labelledby': 'envs' }, el('h2', { id: 'envs', text: 'Environments' }),
    el('div', { class: 'cards' }, list.map(card)));
}

function card(e) {
  const total = e.traffic.reduce((a, t) => a + t.weight, 0) || 1;
  return el('article', { class: 'card env', 'aria-label': `${e.app} ${e.environment}` },
    el('h3', {}, `${e.app} / ${e.environment}`, e.approval ? el('span', { class: 'tag', text: 'approval required' }) : null),
    el('dl', { class: 'facts' },
      el('dt', { text: 'Live' }), el('dd', {}, e.liveVersion ? el('code', { text: e.liveVersion }) : 'nothing yet'),
      el('dt', { text: 'Strategy' }), el('dd', { text: e.strategy }),
      el('dt', { text: 'Listens' }), el('dd', {}, el('code', { text: e.listen })),
      e.activeDeployment ? [el('dt', { text: 'Running' }), el('dd', {}, el('a', { href: `/deployments/${encodeURIComponent(e.activeDeployment)}`, text: e.activeDeployment }))] : null),
    el('h4', { text: 'Traffic' }),
    e.traffic.length
      ? el('div', { class: 'split', role: 'img', 'aria-label': e.traffic.map(t => `${t.version} ${Math.round(100 * t.weight / total)}%`).join(', ') },
          e.traffic.map((t, i) => {
            const bar = el('span', { class: `bar b${i % 4}`, title: `${t.version}: ${t.weight}% on ${t.instances} instance(s)` }, `${t.version} ${Math.round(100 * t.weight / total)}%`);
            bar.style.flexGrow = String(Math.max(t.weight, 1));
            return bar;
          }))
      : el('p', { class: 'muted', text: 'No traffic routed.' }),
    el('h4', { text: `Instances (${e.instances.length})` }),
    e.instances.length
      ? el('ul', { class: 'instances' }, e.instances.map(i => el('li', {}, badge(i.health), ' ', el('code', { text: i.version }), ` :${i.port}`, i.restarts ? ` · ${i.restarts} restart(s)` : '')))
      : el('p', { class: 'muted', text: 'None running.' }),
    el('p', {}, el('a', { href: `/apps/${encodeURIComponent(e.app)}/environments/${encodeURIComponent(e.environment)}/logs`, text: `Logs of ${e.app} / ${e.environment}` })));
}

function history(list) {
  const rows = list.map(d => el('tr', {},
    el('td', {}, el('a', { href: `/deployments/${encodeURIComponent(d.id)}`, text: d.id })),
    el('td', { text: `${d.app} / ${d.environment}` }),
    el('td', {}, el('code', { text: d.version })),
    el('td', { text: d.strategy }),
    el('td', {}, badge(d.state)),
    el('td', { text: d.requestedBy ?? '' }),
    el('td', {}, when(d.createdAt)),
    el('td', { class: 'reason', text: d.reason })));
  return el('section', { 'aria-labelledby': 'hist' }, el('h2', { id: 'hist', text: 'History' }),
    list.length
      ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Deployment history' },
          el('table', {}, el('thead', {}, el('tr', {}, ['Deployment', 'Where', 'Version', 'Strategy', 'State', 'By', 'Started', 'Why'].map(h => el('th', { scope: 'col', text: h })))), el('tbody', {}, rows)))
      : el('p', { class: 'muted', text: 'No deployment yet.' }));
}
