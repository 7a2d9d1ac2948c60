// Dispatch: a workflow_dispatch form built from the workflow's inputs as the server reads them at the chosen ref
// (GET /api/repos/{repo}/dispatch-forms?ref=): choice → a select, boolean → a checkbox, number → a number field,
// environment → a field offering catalytic.yml's environments, string → a text field. The page checks nothing of its
// own: POST /api/repos/{repo}/dispatches types and checks the inputs as `catalytic dispatch` does, and each error it
// answers stands under the input it names (the API's words: "input 'NAME' …"); the others above the button. The
// choice is kept in the address (?repo=&ref=&workflow=), so a form can be linked to.
import { api } from '../lib/api.js';
import { el, replace, message } from '../lib/dom.js';

export async function start(view) {
  const params = new URLSearchParams(location.search);
  let repos;
  try {
    repos = await api('/api/repositories');
  } catch (e) {
    message(view, `Could not read the repositories: ${e.message}`);
    return;
  }
  if (!repos.length) {
    message(view, 'No repository is watched by this server: there is nothing to dispatch.', 'muted');
    return;
  }

  const field = (id, label, control, ...rest) => el('div', { class: 'field', 'data-field': id }, el('label', { for: id, text: label }), control, ...rest,
    el('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true }));
  const wanted = params.get('repo');
  const repo = el('select', { id: 'd-repo', name: 'repo' }, repos.map(r => el('option', { value: r.name, text: r.name, selected: r.name === wanted })));
  const ref = el('input', { id: 'd-ref', name: 'ref', autocomplete: 'off', value: params.get('ref') ?? '', 'aria-describedby': 'd-ref-hint' });
  const workflow = el('select', { id: 'd-workflow', name: 'workflow' });
  const inputs = el('fieldset', { class: 'inputs' }, el('legend', { text: 'Inputs' }));
  const general = el('div', { class: 'general-errors', role: 'alert' });
  const status = el('p', { role: 'status', class: 'action-status' });
  const submit = el('button', { type: 'submit', class: 'primary', id: 'd-run', text: '▶ Run workflow' });
  // noValidate: the server is the one judge of the inputs, so its errors are the ones shown.
  const form = el('form', { class: 'dispatch', 'aria-label': 'Dispatch a workflow', novalidate: true },
    field('d-repo', 'Repository', repo),
    field('d-ref', 'Branch or tag', ref, el('p', { class: 'hint muted', id: 'd-ref-hint', text: 'empty: the default branch' })),
    field('d-workflow', 'Workflow', workflow), inputs, general, submit, status);
  replace(view, form);

  let forms = null;
  const clearErrors = () => {
    for (const p of form.querySelectorAll('.field-error')) { p.hidden = true; p.textContent = ''; }
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    replace(general);
  };
  const showError = (id, text) => {
    const p = document.getElementById(`${id}-error`);
    const control = document.getElementById(id);
    if (!p) { general.append(el('p', { class: 'error', text })); return; }
    p.textContent = p.textContent ? `${p.textContent} ${text}` : text;
    p.hidden = false;
    control?.setAttribute('aria-invalid', 'true');
    control?.setAttribute('aria-describedby', `${id}-error`);
  };
  const remember = () => {
    const q = new URLSearchParams({ repo: repo.value });
    if (ref.value.trim()) q.set('ref', ref.value.trim());
    if (workflow.value) q.set('workflow', workflow.value);
    history.replaceState(null, '', `?${q}`);
  };

  const drawInputs = () => {
    const w = forms?.workflows.find(x => x.path === workflow.value);
    replace(inputs, el('legend', { text: w ? `Inputs of ${w.name}` : 'Inputs' }),
      !w ? null : !w.inputs.length ? el('p', { class: 'muted', text: 'This workflow takes no input.' }) : w.inputs.map(i => inputField(i, forms.environments, field)));
    submit.disabled = !w;
    remember();
  };
  const load = async () => {
    clearErrors();
    forms = null;
    replace(workflow);
    try {
      const q = ref.value.trim() ? `?ref=${encodeURIComponent(ref.value.trim())}` : '';
      forms = await api(`/api/repos/${encodeURIComponent(repo.value)}/dispatch-forms${q}`);
      ref.placeholder = forms.ref.replace(/^refs\/(heads|tags)\//, '');
      const want = params.get('workflow');
      replace(workflow, forms.workflows.map(w => el('option', { value: w.path, text: `${w.name} (${w.path.replace(/^\.github\/workflows\//, '')})`, selected: w.path === want || w.path.endsWith(`/${want}`) })));
      if (!forms.workflows.length) showError('d-workflow', `No workflow at ${forms.ref} has a workflow_dispatch trigger.`);
    } catch (e) {
      showError(e.body?.field === 'repo' ? 'd-repo' : 'd-ref', e.message);
    }
    drawInputs();
  };
  repo.addEventListener('change', load);
  ref.addEventListener('change', load);
  workflow.addEventListener('change', () => { clearErrors(); drawInputs(); });

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors();
    const w = forms?.workflows.find(x => x.path === workflow.value);
    if (!w) return;
    const values = {};
    for (const i of w.inputs) {
      const c = document.getElementById(`in-${i.name}`);
      if (i.type === 'boolean') values[i.name] = c.checked ? 'true' : 'false';
      else if (c.value !== '') values[i.name] = c.value; // empty: the workflow's default (or its "required" error)
    }
    submit.disabled = true;
    status.textContent = `Dispatching ${w.name}…`;
    try {
      const answer = await api(`/api/repos/${encodeURIComponent(repo.value)}/dispatches`, { method: 'POST', body: { workflow: w.path, ref: ref.value.trim() || null, inputs: values } });
      status.textContent = `Dispatched: run ${answer.runIds.map(id => `#${id}`).join(', ')}.`;
      if (answer.runIds.length) location.assign(`/runs/${answer.runIds[0]}`);
    } catch (e) {
      status.textContent = 'Not dispatched: see the errors above.';
      const errors = e.body?.errors?.length ? e.body.errors : [e.message];
      for (const text of errors) {
        const name = /input '([^']+)'/.exec(text)?.[1];
        showError(name && w.inputs.some(i => i.name === name) ? `in-${name}` : e.body?.field === 'ref' ? 'd-ref' : 'general', text);
      }
      general.querySelector('p')?.scrollIntoView({ block: 'nearest' });
    } finally {
      submit.disabled = false;
    }
  });
  await load();
}

function inputField(i, environments, field) {
  const id = `in-${i.name}`;
  const label = `${i.name}${i.required ? ' (required)' : ''}`;
  const hint = i.description ? el('p', { class: 'hint muted', text: i.description }) : null;
  switch (i.type) {
    case 'boolean': {
      const box = el('input', { type: 'checkbox', id, name: i.name, checked: String(i.default).toLowerCase() === 'true' });
      return el('div', { class: 'field', 'data-field': id }, el('div', { class: 'checkbox' }, box, el('label', { for: id, text: label })), hint,
        el('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true }));
    }
    case 'choice':
      return field(id, label, el('select', { id, name: i.name }, i.options.map(o => el('option', { value: o, text: o, selected: o === i.default }))), hint);
    case 'environment': {
      const list = el('datalist', { id: `${id}-list` }, environments.map(e => el('option', { value: e })));
      return field(id, label, el('input', { id, name: i.name, list: `${id}-list`, autocomplete: 'off', value: i.default ?? '' }), list, hint);
    }
    case 'number':
      // Text with a decimal keyboard: a number field would swallow what is not a number, and the server's error is the one to show.
      return field(id, label, el('input', { id, name: i.name, inputmode: 'decimal', autocomplete: 'off', value: i.default ?? '' }), hint);
    default:
      return field(id, label, el('input', { id, name: i.name, autocomplete: 'off', value: i.default ?? '' }), hint);
  }
}
