// An environment's instance logs (masked by the server), followed live through the streamed answer of
// GET /api/apps/{app}/environments/{environment}/logs?follow=true, in the virtualised log view.
import { LogView } from '../lib/logview.js';
import { el, replace, message } from '../lib/dom.js';

export async function start(view) {
  const { app, environment } = document.body.dataset;
  document.querySelector('main h1').textContent = `Logs of ${app} / ${environment}`;
  replace(view, el('p', {}, el('a', { href: '/deployments', text: '← Deployments' })));
  const log = new LogView(view, { label: `Logs of ${app} / ${environment}` });
  window.catalyticLog = log; // for the browser tests and a person's console
  try {
    const r = await fetch(`/api/apps/${encodeURIComponent(app)}/environments/${encodeURIComponent(environment)}/logs?follow=true&tail=100000`, { credentials: 'same-origin' });
    if (!r.ok) { message(view, `Could not read the logs: ${r.status} ${r.statusText}`); return; }
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let rest = '';
    if (location.hash.startsWith('#L')) log.goToWhenLoaded(Number(location.hash.slice(2)) - 1);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const parts = (rest + value).split('\n');
      rest = parts.pop();
      log.append(parts);
    }
    document.getElementById('live').textContent = 'The log stream ended.';
  } catch (e) {
    document.getElementById('live').textContent = `The log stream broke: ${e.message}`;
  }
}
