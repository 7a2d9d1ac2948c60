// Alerts: the active ones (firing, acknowledged, silenced, inhibited, in maintenance) with their labels, runbook and
// link, and the silences. Developers and above acknowledge an alert, silence what matches it for a while, and expire
// a silence; viewers see no buttons (the API refuses them anyway).
import { api } from '../lib/api.js';
import { el, when, replace, message, can } from '../lib/dom.js';
import { stateBadge, refresh } from '../lib/status.js';

export function start(view) {
  const alerts = el('section', { 'aria-labelledby': 'alerts-h' });
  const form = el('section', { 'aria-labelledby': 'silence-h', hidden: true });
  const silences = el('section', { 'aria-labelledby': 'silences-h' });
  const status = el('p', { role: 'status', id: 'alerts-status' });
  replace(view, status, alerts, form, silences);
  const draw = async () => {
    try {
      const [list, quiet] = await Promise.all([api('/api/alerts'), api('/api/silences')]);
      drawAlerts(alerts, list, status, alert => openSilence(form, alert, status, draw), draw);
      drawSilences(silences, quiet.filter(s => s.active), status, draw);
    } catch (e) {
      message(alerts, `Could not read the alerts: ${e.message}`);
    }
  };
  refresh(draw);
}

function drawAlerts(target, list, status, silence, draw) {
  const mayAct = can('developer');
  replace(target, el('h2', { id: 'alerts-h', text: `Active alerts (${list.length})` }),
    list.length
      ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Active alerts' },
          el('table', { class: 'alerts' },
            el('thead', {}, el('tr', {}, ['Alert', 'Severity', 'State', 'Labels', 'Since', mayAct ? 'Actions' : null].filter(Boolean).map(h => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, list.map(a => el('tr', { 'data-alert': a.id },
              el('th', { scope: 'row' }, el('span', { text: a.summary }), el('br'), el('code', { class: 'muted', text: `${a.name} · ${a.id}` }),
                a.annotations.runbook ? [el('br'), el('a', { href: safe(a.annotations.runbook), rel: 'noreferrer', text: 'Runbook' })] : null,
                a.annotations.link ? [' ', el('a', { href: safe(a.annotations.link), rel: 'noreferrer', text: 'Details' })] : null),
              el('td', {}, stateBadge(a.severity)),
              el('td', {}, stateBadge(a.state), a.ackedBy ? el('div', { class: 'muted', text: `by ${a.ackedBy}` }) : null),
              el('td', {}, el('ul', { class: 'labels' }, Object.entries(a.labels).filter(([k]) => k !== 'alertname' && k !== 'severity')
                .map(([k, v]) => el('li', {}, el('code', { text: `${k}=${v}` }))))),
              el('td', {}, when(a.startsAt)),
              mayAct ? el('td', { class: 'buttons' }, actions(a, status, silence, draw)) : null)))))
      : el('p', { class: 'muted', text: 'Nothing is firing.' }));
}

function actions(a, status, silence, draw) {
  const ack = a.state === 'firing'
    ? el('button', { type: 'button', class: 'small primary', text: 'Acknowledge', 'aria-label': `Acknowledge ${a.summary}`, onclick: async ev => {
        ev.target.disabled = true;
        try {
          await api(`/api/alerts/${encodeURIComponent(a.id)}/ack`, { method: 'POST' });
          status.textContent = `Acknowledged: ${a.summary}.`;
          await draw();
        } catch (e) { status.textContent = `Not acknowledged: ${e.message}`; ev.target.disabled = false; }
      } })
    : null;
  const quiet = el('button', { type: 'button', class: 'small', text: 'Silence…', 'aria-label': `Silence ${a.summary}`, onclick: () => silence(a) });
  return [ack, ' ', quiet];
}

// The form to silence what matches an alert: its identifying labels as matchers (editable), a duration and a reason.
function openSilence(target, alert, status, draw) {
  const matchers = el('input', { id: 'silence-matchers', value: Object.entries(alert.labels).filter(([k]) => k !== 'severity').map(([k, v]) => `${k}=${v}`).join(', ') });
  const duration = el('input', { id: 'silence-for', value: '2h', size: '6' });
  const comment = el('input', { id: 'silence-comment', required: true, autocomplete: 'off' });
  const form = el('form', { class: 'inline-form', 'aria-label': 'Silence alerts' },
    el('label', { for: 'silence-matchers', text: 'Matchers' }), matchers,
    el('label', { for: 'silence-for', text: 'For' }), duration,
    el('label', { for: 'silence-comment', text: 'Why' }), comment,
    el('button', { type: 'submit', class: 'primary', text: 'Silence' }),
    el('button', { type: 'button', text: 'Cancel', onclick: () => { target.hidden = true; } }));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const s = await api('/api/silences', { method: 'POST', body: { matchers: matchers.value.split(',').map(m => m.trim()).filter(Boolean), for: duration.value, comment: comment.value } });
      status.textContent = `Silenced until ${new Date(s.endsAt).toLocaleString()} (${s.id}).`;
      target.hidden = true;
      await draw();
    } catch (e) { status.textContent = `Not silenced: ${e.message}`; }
  });
  replace(target, el('h2', { id: 'silence-h', text: `Silence: ${alert.summary}` }), form);
  target.hidden = false;
  comment.focus();
}

function drawSilences(target, list, status, draw) {
  const mayAct = can('developer');
  replace(target, el('h2', { id: 'silences-h', text: `Silences (${list.length})` }),
    list.length
      ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Silences' },
          el('table', { class: 'silences' },
            el('thead', {}, el('tr', {}, ['Matchers', 'Until', 'By', 'Why', mayAct ? 'Actions' : null].filter(Boolean).map(h => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, list.map(s => el('tr', { 'data-silence': s.id },
              el('td', {}, el('code', { text: s.matchers.join(', ') })),
              el('td', {}, when(s.endsAt)),
              el('td', { text: s.createdBy }),
              el('td', { class: 'reason', text: s.comment }),
              mayAct ? el('td', {}, el('button', { type: 'button', class: 'small danger', text: 'Expire', 'aria-label': `Expire silence ${s.id}`, onclick: async () => {
                try { await api(`/api/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' }); status.textContent = `Expired ${s.id}.`; await draw(); }
                catch (e) { status.textContent = `Not expired: ${e.message}`; }
              } })) : null)))))
      : el('p', { class: 'muted', text: 'No silence is active.' }));
}

// Links come from catalytic.yml (runbooks) and the server (details); only http(s) ones become links.
function safe(url) {
  try { return ['http:', 'https:'].includes(new URL(url, location.href).protocol) ? url : '#'; } catch { return '#'; }
}
