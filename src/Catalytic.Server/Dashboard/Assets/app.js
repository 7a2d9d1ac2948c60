// The dashboard's entry module: theme, sign-out, then the module of the page named by <body data-page>.
import { api } from './lib/api.js';

const root = document.documentElement;
const stored = localStorage.getItem('catalytic-theme');
if (stored === 'light' || stored === 'dark') root.dataset.theme = stored;

for (const b of document.querySelectorAll('button.theme')) {
  b.addEventListener('click', () => {
    const dark = root.dataset.theme ? root.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
    root.dataset.theme = dark ? 'light' : 'dark';
    localStorage.setItem('catalytic-theme', root.dataset.theme);
  });
}

for (const b of document.querySelectorAll('button.sign-out')) {
  b.addEventListener('click', async () => {
    await api('/api/session', { method: 'DELETE' }).catch(() => {});
    location.assign('/sign-in');
  });
}

const pages = new Set(['sign-in', 'deployments', 'deployment', 'logs', 'settings', 'runs', 'run', 'workers', 'dispatch']);
const page = document.body.dataset.page;
if (pages.has(page)) {
  import(`./pages/${page}.js`).then(m => m.start(document.getElementById('view'))).catch(e => {
    const view = document.getElementById('view');
    if (view) view.textContent = `This page could not be drawn: ${e.message}`;
  });
}

// The status pages (Dashboard/StatusPages.cs) are drawn by their modules the same way.
if (page === 'checks' || page === 'alerts' || page === 'notifications') {
  import(`./pages/${page}.js`).then(m => m.start(document.getElementById('view')));
}
