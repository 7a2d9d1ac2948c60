// One deployment: state, the decision buttons the caller may use, the analysis chart, approvals and events.
import { api, live } from '../lib/api.js';
import { el, badge, when, replace, message, actionHandler } from '../lib/dom.js';
import { analysisCharts } from '../lib/chart.js';

export function start(view) {
  const id = document.body.dataset.id;
  let busy = false;
  const draw = async () => {
    if (busy) return;
    try {
      const p = await api(`/api/dashboard/deployments/${encodeURIComponent(id)}`);
      document.title = `${p.deployment.id} · Catalytic`;
      replace(view, summary(p), actions(p, draw, v => { busy = v; }), analysis(p.analysis), approvals(p.deployment.approvals ?? []), events(p.deployment.events ?? []));
    } catch (e) {
      message(view, `Could not read deployment ${id}: ${e.message}`);
    }
  };
  draw();
  live(draw);
}

function summary(p) {
  const d = p.deployment;
  return el('section', { class: 'card', 'aria-label': 'Summary' },
    el('p', { class: 'headline' }, badge(d.state), ' ', el('strong', {}, `${d.app} / ${d.environment}`), ' → ', el('code', { text: d.version })),
    el('dl', { class: 'facts' },
      el('dt', { text: 'Deployment' }), el('dd', {}, el('code', { text: d.id })),
      el('dt', { text: 'Strategy' }), el('dd', { text: d.strategy }),
      el('dt', { text: 'Previous' }), el('dd', {}, d.previousVersion ? el('code', { text: d.previousVersion }) : 'none'),
      el('dt', { text: 'Requested by' }), el('dd', { text: d.requestedBy ?? 'unknown' }),
      el('dt', { text: 'Started' }), el('dd', {}, when(d.createdAt)),
      el('dt', { text: 'Updated' }), el('dd', {}, when(d.updatedAt)),
      el('dt', { text: 'Why' }), el('dd', { text: d.reason })),
    el('p', {}, el('a', { href: '/deployments', text: '← All deployments' })));
}

function actions(p, redraw, setBusy) {
  const d = p.deployment;
  if (!p.canDecide) return el('p', { class: 'muted', id: 'no-actions', text: p.waiting ? 'This deployment waits for an approver; your role may not decide here.' : '' });
  const status = el('p', { role: 'status', class: 'action-status' });
  const comment = el('input', { id: 'comment', name: 'comment', maxlength: '500', placeholder: 'optional' });
  const path = r => `/api/apps/${encodeURIComponent(d.app)}/environments/${encodeURIComponent(d.environment)}/${r}`;
  const act = actionHandler(status, setBusy, redraw);
  const buttons = [];
  if (p.waiting) {
    buttons.push(el('button', { type: 'button', class: 'primary', id: 'approve', onclick: act('Approve', () => api(path('approve'), { method: 'POST', body: { id: d.id, comment: comment.value || null } })) }, '✓ Approve'));
    buttons.push(el('button', { type: 'button', class: 'danger', id: 'reject', onclick: act('Reject', () => api(path('reject'), { method: 'POST', body: { id: d.id, comment: comment.value || null } })) }, '⊘ Reject'));
  }
  if (d.state === 'succeeded' && d.previousVersion) {
    buttons.push(el('button', { type: 'button', class: 'danger', id: 'rollback', onclick: act('Roll back', () => {
      if (!confirm(`Roll ${d.app} / ${d.environment} back to ${d.previousVersion}?`)) throw new Error('not confirmed');
      return api(path('rollback'), { method: 'POST', body: { to: d.previousVersion } });
    }) }, `↩ Roll back to ${d.previousVersion}`));
  }
  if (!buttons.length) return status;
  return el('section', { class: 'card actions', 'aria-label': 'Decide' },
    p.waiting ? [el('label', { for: 'comment', text: 'Comment' }), comment] : null,
    el('div', { class: 'buttons' }, buttons), status);
}

function analysis(a) {
  if (!a.checks.length) return el('section', { 'aria-labelledby': 'an' }, el('h2', { id: 'an', text: 'Analysis' }), el('p', { class: 'muted', text: 'No analysis check was recorded for this deployment.' }));
  return el('section', { 'aria-labelledby': 'an' }, el('h2', { id: 'an', text: 'Analysis' }), analysisCharts(a));
}

function approvals(list) {
  if (!list.length) return null;
  return el('section', { 'aria-labelledby': 'ap' }, el('h2', { id: 'ap', text: 'Decisions' }),
    el('ul', { class: 'decisions' }, list.map(a => el('li', {}, badge(a.approved ? 'approved' : 'rejected'), ' by ', el('strong', { class: 'by', text: a.by }), ' ', when(a.at), a.comment ? `: ${a.comment}` : ''))));
}

function events(list) {
  return el('section', { 'aria-labelledby': 'ev' }, el('h2', { id: 'ev', text: 'Events' }),
    el('ol', { class: 'events' }, list.map(e => el('li', {}, when(e.at), ' ', badge(e.state), ' ', el('span', { text: e.message })))));
}
