// Settings (admins): users (add, change role, remove), tokens (revoke), secrets (names only: set a value, remove one;
// a value goes to the server and is never read back), and the audit log (filterable).
import { api } from '../lib/api.js';
import { el, when, replace, message } from '../lib/dom.js';

const roles = ['viewer', 'developer', 'approver', 'admin'];

export function start(view) {
  const users = el('section', { 'aria-labelledby': 'users-h' });
  const tokens = el('section', { 'aria-labelledby': 'tokens-h' });
  const secrets = el('section', { 'aria-labelledby': 'secrets-h' });
  const audit = el('section', { 'aria-labelledby': 'audit-h' });
  replace(view, users, tokens, secrets, audit);
  drawUsers(users);
  drawTokens(tokens);
  drawSecrets(secrets, () => drawAudit(audit));
  drawAudit(audit);
}

async function drawUsers(target) {
  try {
    const list = await api('/api/users');
    const status = el('p', { role: 'status' });
    const name = el('input', { id: 'new-user', required: true, autocomplete: 'off' });
    const role = el('select', { id: 'new-role' }, roles.map(r => el('option', { value: r, text: r })));
    const password = el('input', { id: 'new-password', type: 'password', required: true, autocomplete: 'new-password', minlength: '12' });
    const form = el('form', { class: 'inline-form', 'aria-label': 'Add a user' },
      el('label', { for: 'new-user', text: 'Name' }), name, el('label', { for: 'new-role', text: 'Role' }), role,
      el('label', { for: 'new-password', text: 'Password' }), password, el('button', { type: 'submit', class: 'primary', text: 'Add user' }));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api('/api/users', { method: 'POST', body: { name: name.value, role: role.value, password: password.value } });
        drawUsers(target);
      } catch (e) { status.textContent = `Not added: ${e.message}`; }
    });
    replace(target, el('h2', { id: 'users-h', text: `Users (${list.length})` }),
      el('div', { class: 'table-wrap' }, el('table', {},
        el('thead', {}, el('tr', {}, ['Name', 'Role', 'Created', ''].map(h => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, list.map(u => {
          const sel = el('select', { 'aria-label': `Role of ${u.name}` }, roles.map(r => el('option', { value: r, text: r, selected: r === u.role })));
          sel.addEventListener('change', async () => {
            try { await api(`/api/users/${encodeURIComponent(u.name)}`, { method: 'PATCH', body: { role: sel.value } }); status.textContent = `${u.name} is now ${sel.value}.`; }
            catch (e) { status.textContent = `Not changed: ${e.message}`; sel.value = u.role; }
          });
          const rm = el('button', { type: 'button', class: 'danger small', text: 'Remove', 'aria-label': `Remove ${u.name}` });
          rm.addEventListener('click', async () => {
            if (!confirm(`Remove user ${u.name}? Their sessions and tokens end.`)) return;
            try { await api(`/api/users/${encodeURIComponent(u.name)}`, { method: 'DELETE' }); drawUsers(target); }
            catch (e) { status.textContent = `Not removed: ${e.message}`; }
          });
          return el('tr', {}, el('td', { text: u.name }), el('td', {}, sel), el('td', {}, when(u.createdAt)), el('td', {}, rm));
        })))),
      form, status);
  } catch (e) { message(target, `Could not read the users: ${e.message}`); }
}

async function drawTokens(target) {
  try {
    const list = await api('/api/tokens');
    const status = el('p', { role: 'status' });
    replace(target, el('h2', { id: 'tokens-h', text: `Tokens (${list.length})` }),
      el('p', { class: 'muted' }, 'Create tokens with ', el('code', { text: 'catalytic token create' }), '; the secret is shown once there. Tokens are stored as hashes.'),
      list.length ? el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Tokens' }, el('table', { class: 'tokens' },
        el('thead', {}, el('tr', {}, ['Id', 'Name', 'User', 'Role', 'Created', 'Expires', 'Last used', ''].map(h => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, list.map(t => {
          const rv = el('button', { type: 'button', class: 'danger small', text: 'Revoke', 'aria-label': `Revoke token ${t.id}` });
          rv.addEventListener('click', async () => {
            try { await api(`/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' }); drawTokens(target); }
            catch (e) { status.textContent = `Not revoked: ${e.message}`; }
          });
          return el('tr', {}, el('td', {}, el('code', { text: t.id })), el('td', { text: t.name }), el('td', { text: t.user ?? '(server)' }), el('td', { text: t.role }),
            el('td', {}, when(t.createdAt)), el('td', {}, t.expired ? 'expired' : t.expiresAt ? when(t.expiresAt) : 'never'), el('td', {}, t.lastUsedAt ? when(t.lastUsedAt) : 'never'), el('td', {}, rv));
        })))) : el('p', { class: 'muted', text: 'No token.' }),
      status);
  } catch (e) { message(target, `Could not read the tokens: ${e.message}`); }
}

async function drawSecrets(target, changed) {
  try {
    const list = await api('/api/secrets');
    const status = el('p', { role: 'status', id: 'secret-status' });
    const name = el('input', { id: 'secret-name', required: true, autocomplete: 'off' });
    // A password field: the value is not shown as it is typed, and the browser is asked not to keep it.
    const value = el('input', { id: 'secret-value', type: 'password', required: true, autocomplete: 'off' });
    const form = el('form', { class: 'inline-form', 'aria-label': 'Set a secret' },
      el('label', { for: 'secret-name', text: 'Name' }), name, el('label', { for: 'secret-value', text: 'Value' }), value,
      el('button', { type: 'submit', class: 'primary', text: 'Set secret' }));
    const redraw = async text => { await drawSecrets(target, changed); changed(); document.getElementById('secret-status').textContent = text; };
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api(`/api/secrets/${encodeURIComponent(name.value)}`, { method: 'PUT', body: { value: value.value } });
        value.value = '';
        await redraw(`Secret ${name.value} set.`);
      } catch (e) { status.textContent = `Not set: ${e.message}`; }
    });
    replace(target, el('h2', { id: 'secrets-h', text: `Secrets (${list.length})` }),
      el('p', { class: 'muted', text: 'Names only: a value is never shown again. Files in the state folder’s secrets/; CATALYTIC_SECRET_NAME in the server’s environment wins over a file.' }),
      list.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'secrets' },
        el('thead', {}, el('tr', {}, ['Name', 'Source', 'Updated', ''].map(h => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, list.map(s => {
          let rm = null;
          if (s.source === 'file') {
            rm = el('button', { type: 'button', class: 'danger small', text: 'Remove', 'aria-label': `Remove secret ${s.name}` });
            rm.addEventListener('click', async () => {
              if (!confirm(`Remove secret ${s.name}? Runs and deployments that name it will miss it.`)) return;
              try { await api(`/api/secrets/${encodeURIComponent(s.name)}`, { method: 'DELETE' }); await redraw(`Secret ${s.name} removed.`); }
              catch (e) { status.textContent = `Not removed: ${e.message}`; }
            });
          }
          return el('tr', { 'data-secret': s.name }, el('td', {}, el('code', { text: s.name })),
            el('td', { text: s.source === 'file' ? (s.shadowed ? 'file (the environment’s wins)' : 'file') : 'environment' }),
            el('td', {}, s.updatedAt ? when(s.updatedAt) : ''), el('td', {}, rm));
        })))) : el('p', { class: 'muted', text: 'No secret.' }),
      form, status);
  } catch (e) { message(target, `Could not read the secrets: ${e.message}`); }
}

async function drawAudit(target, actor = '', action = '') {
  try {
    const q = new URLSearchParams({ limit: '200' });
    if (actor) q.set('actor', actor);
    if (action) q.set('action', action);
    const list = await api(`/api/audit?${q}`);
    const a = el('input', { id: 'audit-actor', value: actor, autocomplete: 'off' });
    const b = el('input', { id: 'audit-action', value: action, autocomplete: 'off', placeholder: 'e.g. approve, login' });
    const form = el('form', { class: 'inline-form', 'aria-label': 'Filter the audit log' },
      el('label', { for: 'audit-actor', text: 'Who' }), a, el('label', { for: 'audit-action', text: 'Action' }), b, el('button', { type: 'submit', text: 'Filter' }));
    form.addEventListener('submit', ev => { ev.preventDefault(); drawAudit(target, a.value.trim(), b.value.trim()); });
    replace(target, el('h2', { id: 'audit-h', text: 'Audit log' }), form,
      el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Audit entries' }, el('table', { class: 'audit' },
        el('thead', {}, el('tr', {}, ['When', 'Who', 'From', 'Action', 'Target', 'Outcome', 'Detail'].map(h => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, list.map(e => el('tr', {}, el('td', {}, when(e.at)), el('td', { text: `${e.actor} (${e.actorKind})` }), el('td', { text: e.address }),
          el('td', { text: e.action }), el('td', { text: e.target }), el('td', { class: `outcome ${e.outcome}`, text: e.outcome }), el('td', { text: e.detail })))))));
  } catch (e) { message(target, `Could not read the audit log: ${e.message}`); }
}
