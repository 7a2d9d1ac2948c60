// The sign-in form: POST /api/session sets the session cookie; then back to the page that sent us here
// (only a path of this site: ?next= is never followed to another origin).
import { api } from '../lib/api.js';
import { el, replace } from '../lib/dom.js';

export function start(view) {
  const error = el('p', { class: 'error', role: 'alert', id: 'sign-in-error' });
  const user = el('input', { id: 'user', name: 'user', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit', class: 'primary', text: 'Sign in' });
  const form = el('form', { class: 'card sign-in', 'aria-describedby': 'sign-in-error' },
    el('label', { for: 'user', text: 'User' }), user,
    el('label', { for: 'password', text: 'Password' }), password,
    submit, error);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await api('/api/session', { method: 'POST', body: { user: user.value, password: password.value } });
      const next = new URLSearchParams(location.search).get('next');
      location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (e) {
      error.textContent = e.status === 401 ? 'Wrong user name or password.' : e.message;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(view, form);
  user.focus();
}
