// Checks: each check's verdict, where it was seen from, its uptime over 24 hours and 90 days, response times, and the
// conditions of its last probe (each with its outcome), read from GET /api/checks.
import { api } from '../lib/api.js';
import { el, when, replace, message } from '../lib/dom.js';
import { stateBadge, percent, refresh } from '../lib/status.js';

export function start(view) {
  refresh(async () => {
    try {
      replace(view, table(await api('/api/checks')));
    } catch (e) {
      message(view, `Could not read the checks: ${e.message}`);
    }
  });
}

function table(list) {
  if (!list.length) return el('p', { text: 'No check is configured: add checks: to catalytic.yml.' });
  const counts = ['up', 'degraded', 'down', 'unknown'].map(s => [s, list.filter(c => c.status === s).length]).filter(([, n]) => n);
  return el('section', { 'aria-labelledby': 'checks-h' },
    el('h2', { id: 'checks-h', text: `${list.length} check(s): ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}` }),
    el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Checks' },
      el('table', { class: 'checks' },
        el('thead', {}, el('tr', {}, ['Check', 'State', 'Uptime 24 h', 'Uptime 90 d', 'p50 / p95', 'Locations', 'Last probe'].map(h => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, list.map(row)))));
}

function row(c) {
  const locations = Object.entries(c.locations ?? {});
  return el('tr', { 'data-check': c.name },
    el('th', { scope: 'row' }, el('span', { text: c.name }), el('br'), el('code', { class: 'muted', text: c.target })),
    el('td', {}, stateBadge(c.status), c.inMaintenance ? [' ', stateBadge('maintenance')] : null),
    el('td', { class: 'uptime', text: percent(c.uptime24h) }),
    el('td', { class: 'uptime', text: percent(c.uptime90d) }),
    el('td', { text: `${Math.round(c.p50Ms)} / ${Math.round(c.p95Ms)} ms` }),
    el('td', {}, locations.length
      ? el('ul', { class: 'labels' }, locations.map(([where, s]) => el('li', {}, `${where} `, stateBadge(s))))
      : el('span', { class: 'muted', text: 'no report yet' })),
    el('td', { class: 'reason' }, last(c.last)));
}

function last(r) {
  if (!r) return el('span', { class: 'muted', text: 'not probed yet' });
  return [
    when(r.at), ` from ${r.location}, ${Math.round(r.responseTimeMs)} ms`,
    r.error ? el('div', { class: 'error', text: r.error }) : null,
    el('ul', { class: 'conditions' }, r.conditions.map(k =>
      el('li', { class: k.success ? 'pass' : 'fail' }, el('span', { role: 'img', 'aria-label': k.success ? 'passed' : 'failed', text: k.success ? '✓' : '✗' }), ' ',
        el('code', { text: k.condition }),
        k.degradedOnly ? ' (degraded-only)' : ''))),
  ];
}
