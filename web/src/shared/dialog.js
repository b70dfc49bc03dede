// A small modal form on the native <dialog> element: ask({title, fields}) → values or null.

import { h } from './dom.js';
import { t } from './i18n.js';

/**
 * fields: [{name, label, type: 'text'|'textarea'|'checkboxes'|'select', inputType, value, required, placeholder,
 *   inputmode, options: [{value, label, checked}]}]
 * (`inputType` sets a text field's <input type>, e.g. 'datetime-local').
 * Resolves to {name: value} (checkboxes give an array of the checked values), or null when cancelled.
 */
export function ask({ title, fields, submitLabel = t('confirm'), intro = null }) {
  return new Promise((resolve) => {
    const inputs = {};
    const rows = fields.map((f) => {
      if (f.type === 'checkboxes') {
        inputs[f.name] = f.options.map((o) => h('input', { type: 'checkbox', value: o.value, checked: Boolean(o.checked) }));
        return h('fieldset', { class: 'dialog-checks' },
          h('legend', {}, f.label),
          f.options.map((o, i) => h('label', { class: 'check' }, inputs[f.name][i], ' ', o.label)));
      }
      const id = `dlg-${f.name}`;
      let input;
      if (f.type === 'textarea') input = h('textarea', { id, name: f.name, rows: 3, required: Boolean(f.required) });
      else if (f.type === 'select') input = h('select', { id, name: f.name }, f.options.map((o) => h('option', { value: o.value, selected: o.value === f.value }, o.label)));
      else input = h('input', { id, name: f.name, type: f.inputType || null, required: Boolean(f.required), inputmode: f.inputmode || null, placeholder: f.placeholder || null });
      if (f.value !== undefined && f.type !== 'select') input.value = f.value;
      inputs[f.name] = input;
      return [h('label', { for: id }, f.label), input];
    });
    const error = h('div', { class: 'form-message error' });
    const dialog = h('dialog', { class: 'dialog' });
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const form = h('form', {
      method: 'dialog',
      onsubmit: (event) => {
        event.preventDefault();
        const values = {};
        for (const f of fields) {
          values[f.name] = f.type === 'checkboxes'
            ? inputs[f.name].filter((i) => i.checked).map((i) => i.value)
            : inputs[f.name].value.trim();
          if (f.required && (values[f.name].length === 0)) {
            error.textContent = `${f.label}不能为空`;
            return;
          }
        }
        finish(values);
      },
    },
    h('h3', {}, title),
    intro,
    rows,
    error,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', onclick: () => finish(null) }, t('cancel')),
      h('button', { type: 'submit', class: 'primary' }, submitLabel)));
    dialog.append(form);
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
