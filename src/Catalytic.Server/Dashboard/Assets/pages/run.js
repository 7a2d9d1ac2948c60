// One run: its summary, the actions the caller's role allows (cancel, re-run all, re-run failed; approve or reject
// a job waiting for its environment), its jobs with status and duration, and the chosen job's log in the log view,
// followed live (Server-Sent Events of GET /api/runs/{id}/jobs/{job}/logs?follow=true). The job shown is in the
// address (#job=KEY; #job=KEY&L12 links a line). Jobs carry no `needs` in the API, so they are listed in the order
// the run planned them rather than drawn as a graph.
import { api, live } from '../lib/api.js';
import { LogView } from '../lib/logview.js';
import { el, badge, when, replace, message, can, runState, span } from '../lib/dom.js';

export function start(view) {
  const id = document.body.dataset.id;
  const head = el('div', { id: 'run-head' });
  const jobs = el('section', { 'aria-labelledby': 'jobs-h' });
  const logBox = el('section', { class: 'run-log', 'aria-labelledby': 'log-h' });
  replace(view, head, jobs, logBox);
  let busy = false;
  let detail = null;
  let shown = null; // { key, source, log }
  // Made once: a redraw after an action must not wipe what the action said.
  const status = el('p', { role: 'status', class: 'action-status' });

  const choose = key => {
    if (shown?.key === key) return;
    shown?.source.close();
    const job = detail.jobs.find(j => j.key === key);
    replace(logBox, el('h2', { id: 'log-h', text: `Log of ${job.label}` }));
    const log = new LogView(logBox, { label: `Log of ${job.label}` });
    window.catalyticLog = log; // for the browser tests and a person's console
    const source = new EventSource(`/api/runs/${encodeURIComponent(id)}/jobs/${encodeURIComponent(key)}/logs?follow=true`);
    let first = true;
    source.addEventListener('line', ev => {
      log.append([asText(JSON.parse(ev.data))]);
      const line = /(?:^#|&)L(\d+)/.exec(location.hash);
      if (first && line) { first = false; log.goTo(Number(line[1]) - 1); }
    });
    // The stream ends with `end` once the job has; the browser would reconnect, so it is closed here.
    source.addEventListener('end', () => { source.close(); log.ended = true; });
    shown = { key, source, log };
    for (const b of jobs.querySelectorAll('[data-job]')) b.setAttribute('aria-current', b.dataset.job === key ? 'true' : 'false');
  };

  const draw = async () => {
    if (busy) return;
    try {
      detail = await api(`/api/runs/${encodeURIComponent(id)}`);
      const r = detail.run;
      document.title = `${r.workflow} #${r.runNumber} · Catalytic`;
      document.querySelector('main h1').textContent = `${r.workflow} #${r.runNumber}`;
      replace(head, summary(r), actions(detail, status, draw, v => { busy = v; }));
      replace(jobs, el('h2', { id: 'jobs-h', text: 'Jobs' }), jobList(detail.jobs, choose));
      const wanted = /job=([^&]+)/.exec(location.hash)?.[1];
      const pick = shown?.key ?? (wanted && decodeURIComponent(wanted)) ?? detail.jobs.find(j => j.status !== 'completed')?.key ?? detail.jobs[0]?.key;
      if (detail.jobs.some(j => j.key === pick)) {
        // A re-run starts a new attempt of the job: its log is read again from the start.
        const job = detail.jobs.find(j => j.key === pick);
        if (shown && shown.attempt !== job.attempt + '/' + job.runAttempt) { shown.source.close(); shown = null; }
        choose(pick);
        shown.attempt = job.attempt + '/' + job.runAttempt;
        for (const b of jobs.querySelectorAll('[data-job]')) b.setAttribute('aria-current', b.dataset.job === pick ? 'true' : 'false');
      } else if (!detail.jobs.length) {
        replace(logBox, el('p', { class: 'muted', text: r.reason ?? 'No job has been planned yet.' }));
      }
    } catch (e) {
      message(head, `Could not read run ${id}: ${e.message}`);
    }
  };
  draw();
  live(draw);
}

// The worker stores ::group:: / ::endgroup:: as line kinds (the runner consumed the commands); they are written
// back as the commands so the log view folds them as it does any log.
function asText(line) {
  const kind = String(line.kind ?? '').replace(/[^a-z]/gi, '').toLowerCase();
  if (kind === 'groupstart') return `::group::${line.text}`;
  if (kind === 'groupend') return '::endgroup::';
  return line.text;
}

function summary(r) {
  return el('section', { class: 'card', 'aria-label': 'Summary' },
    el('p', { class: 'headline' }, badge(runState(r)), ' ', el('strong', { text: r.repository }), ' · ', el('code', { text: r.ref.replace(/^refs\/(heads|tags)\//, '') }), ' @ ', el('code', { title: r.sha, text: r.sha.slice(0, 7) })),
    el('dl', { class: 'facts' },
      el('dt', { text: 'Run' }), el('dd', {}, el('code', { text: `#${r.id}` }), r.attempt > 1 ? ` · attempt ${r.attempt}` : ''),
      el('dt', { text: 'Workflow' }), el('dd', {}, el('code', { text: r.workflowPath })),
      el('dt', { text: 'Event' }), el('dd', { text: r.event }),
      el('dt', { text: 'Actor' }), el('dd', { text: r.actor }),
      el('dt', { text: 'Started' }), el('dd', {}, when(r.startedAt ?? r.createdAt)),
      el('dt', { text: 'Duration' }), el('dd', { text: span(r.startedAt, r.finishedAt) || 'not started' }),
      r.reason ? [el('dt', { text: 'Why' }), el('dd', { class: 'reason', text: r.reason })] : null),
    el('p', {}, el('a', { href: '/runs', text: '← All runs' })));
}

function actions(d, status, redraw, setBusy) {
  if (!can('developer')) return null;
  const r = d.run;
  const act = (label, path, body) => async ev => {
    ev.currentTarget.disabled = true;
    setBusy(true);
    status.textContent = `${label}…`;
    try {
      await api(`/api/runs/${r.id}/${path}`, { method: 'POST', body });
      status.textContent = `${label}: done.`;
    } catch (e) {
      status.textContent = `${label} refused: ${e.message}`;
    } finally {
      setBusy(false);
      redraw();
    }
  };
  const buttons = [];
  const done = r.status === 'completed';
  if (!done) buttons.push(el('button', { type: 'button', class: 'danger', id: 'cancel', onclick: act('Cancel', 'cancel') }, '⊘ Cancel'));
  if (done) buttons.push(el('button', { type: 'button', id: 'rerun', onclick: act('Re-run all jobs', 'rerun', { failed: false }) }, '↻ Re-run all jobs'));
  if (done && d.jobs.some(j => j.conclusion === 'failure' || j.conclusion === 'cancelled')) {
    buttons.push(el('button', { type: 'button', class: 'primary', id: 'rerun-failed', onclick: act('Re-run failed jobs', 'rerun', { failed: true }) }, '↻ Re-run failed jobs'));
  }
  const waiting = d.jobs.filter(j => j.status === 'waiting');
  const comment = el('input', { id: 'comment', name: 'comment', maxlength: '500', placeholder: 'optional' });
  for (const j of waiting) {
    buttons.push(el('button', { type: 'button', class: 'primary', 'data-approve': j.key, onclick: act(`Approve ${j.label}`, 'approve', { approve: true, job: j.key, comment: comment.value || null }) }, `✓ Approve ${j.label} (${j.environment})`));
    buttons.push(el('button', { type: 'button', class: 'danger', 'data-reject': j.key, onclick: act(`Reject ${j.label}`, 'approve', { approve: false, job: j.key, comment: comment.value || null }) }, `⊘ Reject ${j.label}`));
  }
  if (!buttons.length) return status;
  return el('section', { class: 'card actions', 'aria-label': 'Actions' },
    waiting.length ? [el('label', { for: 'comment', text: 'Comment' }), comment] : null,
    el('div', { class: 'buttons' }, buttons), status);
}

function jobList(list, choose) {
  if (!list.length) return el('p', { class: 'muted', text: 'No job yet.' });
  return el('ol', { class: 'jobs' }, list.map(j => el('li', {},
    el('button', { type: 'button', class: 'job', 'data-job': j.key, 'aria-current': 'false', onclick: () => { history.replaceState(null, '', `#job=${encodeURIComponent(j.key)}`); choose(j.key); } },
      badge(runState(j)), ' ', el('strong', { text: j.label })),
    el('span', { class: 'muted' },
      [span(j.startedAt, j.finishedAt), j.attempt > 1 ? `attempt ${j.attempt}` : '', j.worker ? `on ${j.worker}` : '', j.environment ? `environment ${j.environment}` : '']
        .filter(Boolean).join(' · ')),
    j.reason ? el('span', { class: 'reason', text: j.reason }) : null)));
}
