// Two-level category picker (major → minor) with a search box, from GET /api/v1/categories.

import { h, mount } from '../shared/dom.js';
import { t } from '../shared/i18n.js';

/** Group the flat category list into majors, keeping the server's order. */
export function groupByMajor(categories) {
  const majors = new Map();
  for (const c of categories) {
    if (!majors.has(c.major_code)) majors.set(c.major_code, { code: c.major_code, name: c.major_name, items: [] });
    majors.get(c.major_code).items.push(c);
  }
  return [...majors.values()];
}

/** Does the category match every word of the query (name, code or major name)? */
export function matches(category, queryText) {
  const words = queryText.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const hay = `${category.code} ${category.name} ${category.major_name}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

export class CategoryPicker {
  constructor(onChange) {
    this.categories = [];
    this.selected = null;
    this.onChange = onChange;
    this.major = null;
    this.button = h('button', { type: 'button', class: 'picker-button', id: 'category-button', onclick: () => this.open() }, t('chooseCategory'));
    this.error = h('div', { class: 'field-error', role: 'alert' });
    this.el = h('section', { class: 'field' }, h('div', { class: 'field-head' }, h('span', { class: 'label' }, t('category'))), this.button, this.error);
    this.search = h('input', { type: 'search', class: 'picker-search', placeholder: t('searchCategory'), oninput: () => this.renderList() });
    this.majorBar = h('div', { class: 'chip-bar' });
    this.list = h('div', { class: 'picker-list', role: 'listbox' });
    this.sheet = h(
      'div',
      { class: 'sheet', hidden: true, role: 'dialog', 'aria-label': t('chooseCategory') },
      h('div', { class: 'sheet-head' }, this.search, h('button', { type: 'button', class: 'link', onclick: () => this.close() }, t('cancel'))),
      this.majorBar,
      this.list,
    );
  }

  setCategories(categories) {
    this.categories = categories;
    this.error.textContent = '';
    this.renderMajors();
    this.renderList();
  }

  setError(message) {
    this.error.textContent = message;
  }

  open() {
    this.sheet.hidden = false;
    this.search.value = '';
    this.renderList();
    this.search.focus();
  }

  close() {
    this.sheet.hidden = true;
  }

  choose(category) {
    this.selected = category;
    this.button.textContent = `${category.major_name} › ${category.name}`;
    this.button.classList.add('chosen');
    this.close();
    this.onChange?.(category);
  }

  reset() {
    this.selected = null;
    this.button.textContent = t('chooseCategory');
    this.button.classList.remove('chosen');
  }

  renderMajors() {
    const chip = (code, label) =>
      h('button', {
        type: 'button',
        class: `chip${this.major === code ? ' active' : ''}`,
        onclick: () => {
          this.major = code;
          this.renderMajors();
          this.renderList();
        },
      }, label);
    mount(this.majorBar, chip(null, t('allMajors')), groupByMajor(this.categories).map((m) => chip(m.code, m.name)));
  }

  renderList() {
    const q = this.search.value;
    const groups = groupByMajor(this.categories)
      .filter((m) => this.major === null || m.code === this.major)
      .map((m) => ({ ...m, items: m.items.filter((c) => matches(c, q)) }))
      .filter((m) => m.items.length > 0);
    if (groups.length === 0) {
      mount(this.list, h('p', { class: 'muted center' }, t('noCategoryMatch')));
      return;
    }
    mount(
      this.list,
      groups.map((m) => [
        h('div', { class: 'picker-group' }, m.name),
        m.items.map((c) =>
          h('button', { type: 'button', class: 'picker-item', role: 'option', dataset: { code: c.code }, onclick: () => this.choose(c) },
            h('span', {}, c.name), h('span', { class: 'muted code' }, c.code)),
        ),
      ]),
    );
  }
}
