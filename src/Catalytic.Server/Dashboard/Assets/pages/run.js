// One run: its summary, the actions the caller's role allows (cancel, re-run all, re-run failed; approve or reject
// a job waiting for its environment), the job graph, and the chosen job's log in the log view, followed live
// (Server-Sent Events of GET /api/runs/{id}/jobs/{job}/logs?follow=true). The job shown is in the address
// (#job=KEY; #job=KEY&L12 links a line). The graph is the workflow's jobs (the API's `graph`, with each job's
// `needs`) in stages — a job stands one stage right of the last job it needs — with the needs drawn as edges; the
// legs of a matrix are grouped in their job's box; each box and leg carries its status as colour, icon and word.
import { api, live } from '../lib/api.js';
import { LogView } from '../lib/logview.js';
import { el, badge, when, replace, message, can, runState, span, actionHandler } from '../lib/dom.js';

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
    const log = new LogView(logBox, { label: `Log of ${job.label}`, link: `#job=${encodeURIComponent(key)}&` });
    window.catalyticLog = log; // for the browser tests and a person's console
    // batch=true: one event per stored batch of lines, so a 200,000-line log arrives in a few hundred events.
    const source = new EventSource(`/api/runs/${encodeURIComponent(id)}/jobs/${encodeURIComponent(key)}/logs?follow=true&batch=true`);
    const line = /(?:^#|&)L(\d+)/.exec(location.hash);
    if (line) log.goToWhenLoaded(Number(line[1]) - 1);
    source.addEventListener('lines', ev => log.append(JSON.parse(ev.data).lines.map(asText)));
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
      replace(jobs, el('h2', { id: 'jobs-h', text: 'Jobs' }), graph(detail, choose));
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
    el('p', { class: 'headline' }, badge(runState(r)), ' ', el('strong', { text: r.repository }), ' · ', el('code', { text: r.ref.replace(/^refs\/(heads|tags)\//, '') }), ' @ ', el('code', { title: r.sha, text: r.sha.slice(0, 7) }),
      r.commitMessage ? [' ', el('span', { class: 'commit-message', text: r.commitMessage })] : null),
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
  const post = actionHandler(status, setBusy, redraw);
  const act = (label, path, body) => post(label, () => api(`/api/runs/${r.id}/${path}`, { method: 'POST', body }));
  const buttons = [];
  const done = r.status === 'completed';
  if (!done) buttons.push(el('button', { type: 'button', class: 'danger', id: 'cancel', onclick: act('Cancel', 'cancel') }, '⊘ Cancel'));
  if (done) buttons.push(el('button', { type: 'button', id: 'rerun', onclick: act('Re-run all jobs', 'rerun', { failed: false }) }, '↻ Re-run all jobs'));
  if (done && d.jobs.some(j => j.conclusion === 'failure' || j.conclusion === 'cancelled')) {
    buttons.push(el('button', { type: 'button', class: 'primary', id: 'rerun-failed', onclick: act('Re-run failed jobs', 'rerun', { failed: true }) }, '↻ Re-run failed jobs'));
  }
  // Only the jobs whose environment lets this caller decide (the API says so per job: the approve call's own rule).
  const waiting = d.jobs.filter(j => j.status === 'waiting' && j.mayDecide);
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

// The state of a workflow job from its legs: running or failing legs first, success only when every leg succeeded;
// a job with no leg yet waits for its needs.
function nodeState(legs, runDone) {
  if (!legs.length) return runDone ? 'skipped' : 'pending';
  const states = legs.map(runState);
  for (const s of ['in-progress', 'waiting', 'failure', 'cancelled', 'queued', 'pending']) if (states.includes(s)) return s;
  return states.every(s => s === 'skipped') ? 'skipped' : 'success';
}

function graph(d, choose) {
  if (!d.jobs.length && !d.graph?.length) return el('p', { class: 'muted', text: 'No job yet.' });
  // Without the workflow (an invalid one has no graph) the jobs that ran are the nodes, each with the needs it carries.
  const nodes = d.graph ?? [...new Map(d.jobs.map(j => [j.jobId, { id: j.jobId, name: j.jobId, needs: j.needs ?? [] }])).values()];
  const byId = new Map(nodes.map(n => [n.id, n]));
  const stage = new Map();
  const depth = (id, path = new Set()) => {
    if (stage.has(id)) return stage.get(id);
    if (path.has(id)) return 0; // a cycle is the parser's error to report; it must not hang the page
    path.add(id);
    const needs = (byId.get(id)?.needs ?? []).filter(n => byId.has(n));
    const v = needs.length ? Math.max(...needs.map(n => depth(n, path))) + 1 : 0;
    stage.set(id, v);
    return v;
  };
  nodes.forEach(n => depth(n.id));
  const stages = [];
  for (const n of nodes) (stages[stage.get(n.id)] ??= []).push(n);
  const done = d.run.status === 'completed';
  const legButton = (j, text) => el('button', { type: 'button', class: 'job', 'data-job': j.key, 'aria-current': 'false',
      onclick: () => { history.replaceState(null, '', `#job=${encodeURIComponent(j.key)}`); choose(j.key); } },
    badge(runState(j)), ' ', el('strong', { text }), el('span', { class: 'muted' }, [span(j.startedAt, j.finishedAt), j.attempt > 1 ? `attempt ${j.attempt}` : ''].filter(Boolean).map(t => ` · ${t}`)));
  const box = n => {
    const legs = d.jobs.filter(j => j.jobId === n.id);
    const state = nodeState(legs, done);
    const needs = n.needs.length ? el('p', { class: 'needs muted', text: `needs ${n.needs.join(', ')}` }) : null;
    const facts = legs.length === 1
      ? [legs[0].worker ? `on ${legs[0].worker}` : '', legs[0].environment ? `environment ${legs[0].environment}` : ''].filter(Boolean).join(' · ')
      : '';
    let body;
    if (legs.length === 1) {
      body = [legButton(legs[0], legs[0].label), facts ? el('p', { class: 'muted', text: facts }) : null, legs[0].reason ? el('p', { class: 'reason', text: legs[0].reason }) : null];
    } else if (legs.length > 1) {
      // A matrix: one group, its count per state in words, each leg a button of its own.
      const counts = {};
      for (const j of legs) counts[runState(j)] = (counts[runState(j)] ?? 0) + 1;
      body = [el('p', { class: 'node-head' }, badge(state), ' ', el('strong', { text: n.name })),
        el('p', { class: 'muted legs-summary', text: `${legs.length} legs: ${Object.entries(counts).map(([s, c]) => `${c} ${s.replaceAll('-', ' ')}`).join(', ')}` }),
        el('ul', { class: 'legs', 'aria-label': `Legs of ${n.name}` }, legs.map(j => el('li', {}, legButton(j, j.label), j.reason ? el('p', { class: 'reason', text: j.reason }) : null)))];
    } else {
      body = [el('p', { class: 'node-head' }, badge(state), ' ', el('strong', { text: n.name })),
        el('p', { class: 'muted', text: done ? 'did not run' : 'waits for its needs' })];
    }
    return el('li', { class: `node s-${state}`, 'data-node': n.id, 'data-state': state }, body, needs);
  };
  const edges = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  edges.setAttribute('class', 'edges');
  edges.setAttribute('aria-hidden', 'true');
  const wrap = el('div', { class: 'graph-wrap', tabindex: '0', role: 'region', 'aria-label': 'Job graph' }, edges,
    el('ol', { class: 'graph' }, stages.map((s, i) => el('li', { class: 'stage' }, el('ol', { class: 'stage-jobs', 'aria-label': `Stage ${i + 1}` }, s.map(box))))));
  // The edges need the boxes' places, known once the browser has laid them out (and again when the width changes).
  const resized = new ResizeObserver(() => { if (wrap.isConnected) drawEdges(wrap, edges, nodes); else resized.disconnect(); });
  requestAnimationFrame(() => drawEdges(wrap, edges, nodes));
  resized.observe(wrap);
  return wrap;
}

function drawEdges(wrap, svg, nodes) {
  if (!wrap.isConnected) return;
  const origin = wrap.getBoundingClientRect();
  const place = id => {
    const b = wrap.querySelector(`[data-node="${CSS.escape(id)}"]`)?.getBoundingClientRect();
    return b && { l: b.left - origin.left + wrap.scrollLeft, r: b.right - origin.left + wrap.scrollLeft, t: b.top - origin.top + wrap.scrollTop, b: b.bottom - origin.top + wrap.scrollTop };
  };
  svg.setAttribute('width', String(wrap.scrollWidth));
  svg.setAttribute('height', String(wrap.scrollHeight));
  const paths = [];
  for (const n of nodes) {
    const to = place(n.id);
    for (const need of n.needs) {
      const from = place(need);
      if (!from || !to) continue;
      const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      // Side by side on a wide screen: right edge to left edge; stacked on a narrow one: bottom to top.
      if (to.l >= from.r) {
        const y1 = (from.t + from.b) / 2, y2 = (to.t + to.b) / 2, mid = (from.r + to.l) / 2;
        p.setAttribute('d', `M${from.r},${y1} C${mid},${y1} ${mid},${y2} ${to.l},${y2}`);
      } else {
        const x1 = (from.l + from.r) / 2, x2 = (to.l + to.r) / 2, mid = (from.b + to.t) / 2;
        p.setAttribute('d', `M${x1},${from.b} C${x1},${mid} ${x2},${mid} ${x2},${to.t}`);
      }
      p.setAttribute('class', 'edge');
      p.setAttribute('data-edge', `${need}>${n.id}`);
      paths.push(p);
    }
  }
  svg.replaceChildren(...paths);
}
