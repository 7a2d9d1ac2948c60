// Notifications: the outbox (what was sent, to which channel and when; what is retrying, with its attempts, next try
// and last error; what failed), filtered to the failing ones as `catalytic notifications --failed` does (kept in the
// address as ?failed=true), and the channels and routes catalytic.yml configures. Developers and above send a failed
// or retrying message again now; viewers see no button (the API refuses them anyway). The server never answers with a
// credential, so there is nothing to hide here.
import { api } from '../lib/api.js';
import { el, when, replace, message, can } from '../lib/dom.js';
import { stateBadge, refresh } from '../lib/status.js';

export function start(view) {
  const failing = el('input', { type: 'checkbox', id: 'only-failing', checked: new URLSearchParams(location.search).get('failed') === 'true' });
  const filter = el('div', { class: 'filters' }, el('div', { class: 'field' },
    el('span', {}, failing, ' ', el('label', { for: 'only-failing', text: 'Only failed and retrying' }))));
  const status = el('p', { role: 'status', id: 'notifications-status' });
  const outbox = el('section', { 'aria-labelledby': 'outbox-h' });
  const channels = el('section', { 'aria-labelledby': 'channels-h' });
  const routes = el('section', { 'aria-labelledby': 'routes-h' });
  replace(view, filter, status, outbox, channels, routes);
  let setup = null;
  const draw = async () => {
    try {
      const [list, conf] = await Promise.all([api(`/api/notifications?limit=200${failing.checked ? '&failed=true' : ''}`), setup ?? api('/api/notifications/setup')]);
      setup = conf;
      drawOutbox(outbox, list, failing.checked, new Map(conf.channels.map(c => [c.name, c])), status, draw);
      drawChannels(channels, conf.channels);
      drawRoutes(routes, conf.routes);
    } catch (e) {
      message(outbox, `Could not read the notifications: ${e.message}`);
    }
  };
  failing.addEventListener('change', () => {
    const url = new URL(location.href);
    if (failing.checked) url.searchParams.set('failed', 'true'); else url.searchParams.delete('failed');
    history.replaceState(null, '', url);
    draw();
  });
  refresh(draw);
}

// pending with attempts behind it is retrying: it failed and waits for its next try.
function state(n) {
  return n.state === 'pending' && n.attempts > 0 ? 'retrying' : n.state;
}

function drawOutbox(target, list, failingOnly, channels, status, draw) {
  const mayAct = can('developer');
  const counts = ['sent', 'retrying', 'failed', 'pending'].map(s => [s, list.filter(n => state(n) === s).length]).filter(([, c]) => c);
  const title = `${failingOnly ? 'Failed and retrying' : 'Outbox'} (${list.length})${counts.length ? ': ' + counts.map(([s, c]) => `${c} ${s}`).join(', ') : ''}`;
  replace(target, el('h2', { id: 'outbox-h', text: title }),
    list.length
      ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Outbox' },
          el('table', { class: 'outbox' },
            el('thead', {}, el('tr', {}, ['Notification', 'Channel', 'State', 'Attempts', 'When', 'Last error', mayAct ? 'Actions' : null]
              .filter(Boolean).map(h => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, list.map(n => row(n, channels.get(n.channel), mayAct, status, draw)))))
      : el('p', { class: 'muted', text: failingOnly ? 'Nothing is failing.' : 'Nothing has been sent yet.' }));
}

function row(n, channel, mayAct, status, draw) {
  const s = state(n);
  return el('tr', { 'data-notification': n.id, 'data-state': s },
    el('th', { scope: 'row' }, el('span', { text: n.subject }), el('br'), el('code', { class: 'muted', text: `#${n.id} · ${n.kind}` })),
    el('td', {}, el('span', { text: n.channel }), channel ? [el('br'), el('span', { class: 'muted', text: channel.kind })] : null),
    el('td', {}, stateBadge(s)),
    el('td', { class: 'count', text: String(n.attempts) }),
    el('td', {}, moment(n, s)),
    el('td', { class: 'reason' }, n.lastError ? el('span', { class: s === 'sent' ? 'muted' : 'error', text: n.lastError }) : null),
    mayAct ? el('td', {}, s === 'failed' || s === 'retrying' ? retry(n, status, draw) : null) : null);
}

// When it was queued, and when it was sent or will be tried next.
function moment(n, s) {
  const queued = ['queued ', when(n.createdAt)];
  if (s === 'sent') return [el('div', {}, 'sent ', when(n.sentAt)), el('div', { class: 'muted' }, queued)];
  if (s === 'failed') return [el('div', {}, 'gave up ', when(n.nextAttemptAt)), el('div', { class: 'muted' }, queued)];
  return [el('div', {}, 'next try ', when(n.nextAttemptAt)), el('div', { class: 'muted' }, queued)];
}

function retry(n, status, draw) {
  return el('button', { type: 'button', class: 'small primary', text: 'Retry now', 'aria-label': `Retry now: #${n.id} to ${n.channel}`, onclick: async ev => {
    ev.target.disabled = true;
    try {
      await api(`/api/notifications/${encodeURIComponent(n.id)}/retry`, { method: 'POST' });
      status.textContent = `Sending #${n.id} to ${n.channel} again.`;
      await draw();
    } catch (e) { status.textContent = `Not retried: ${e.message}`; ev.target.disabled = false; }
  } });
}

function drawChannels(target, list) {
  replace(target, el('h2', { id: 'channels-h', text: `Channels (${list.length})` }),
    list.length
      ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Channels' },
          el('table', { class: 'channels' },
            el('thead', {}, el('tr', {}, ['Channel', 'Kind', 'Where', 'Credential'].map(h => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, list.map(c => el('tr', { 'data-channel': c.name },
              el('th', { scope: 'row', text: c.name }),
              el('td', { text: c.kind }),
              el('td', { class: 'reason', text: c.target }),
              el('td', { class: c.credential ? '' : 'muted', text: c.credential ?? 'none' }))))))
      : el('p', { class: 'muted', text: 'No channel is configured: add notifications: channels: to catalytic.yml.' }));
}

function drawRoutes(target, list) {
  replace(target, el('h2', { id: 'routes-h', text: `Routes (${list.length})` }),
    list.length
      ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Routes' },
          el('table', { class: 'routes' },
            el('thead', {}, el('tr', {}, ['Route', 'Matches', 'To', 'Grouping', 'Resolved', 'Escalation'].map(h => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, list.map(r => el('tr', { 'data-route': r.key },
              el('th', { scope: 'row', class: `depth-${Math.min(r.depth, 4)}`, text: `${r.depth ? '↳ ' : ''}${r.key}${r.continue ? ' (continue)' : ''}` }),
              el('td', {}, r.match.length ? el('ul', { class: 'labels' }, r.match.map(m => el('li', {}, el('code', { text: m })))) : el('span', { class: 'muted', text: 'every alert' })),
              el('td', { text: r.to.join(', ') }),
              el('td', { text: `by ${r.groupBy.join(', ')}; wait ${r.groupWait}, interval ${r.groupInterval}, repeat ${r.repeatInterval}` }),
              el('td', { text: r.sendResolved ? 'sent' : 'not sent' }),
              el('td', { text: r.escalateAfter ? `after ${r.escalateAfter} to ${r.escalateTo.join(' → ')}` : '—' }))))))
      : el('p', { class: 'muted', text: 'No route is configured: alerts are recorded and shown but not sent.' }));
}
