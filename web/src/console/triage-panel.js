// 研判队列: reports awaiting triage, with filters; select one to file, void or merge it.

import { api, query } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, labelOf, t } from '../shared/i18n.js';
import { allCategories, categoryName } from './lookups.js';

export class TriagePanel {
  constructor({ onItems, onOpen }) {
    this.onItems = onItems;
    this.onOpen = onOpen;
    this.items = [];
    this.cursor = null;
    this.category = h('select', { class: 'filter', onchange: () => this.load() });
    this.flagged = h('input', { type: 'checkbox', onchange: () => this.load() });
    this.order = h('select', { class: 'filter', onchange: () => this.load() },
      h('option', { value: 'newest' }, t('orderNewest')), h('option', { value: 'oldest' }, t('orderOldest')));
    this.list = h('ul', { class: 'rows', id: 'triage-list' });
    this.status = h('div', { class: 'muted center' });
    this.more = h('button', { type: 'button', class: 'link', hidden: true, onclick: () => this.load({ append: true }) }, t('loadMore'));
    this.el = h('div', { class: 'panel' },
      h('div', { class: 'filters' }, this.category, this.order, h('label', { class: 'check' }, this.flagged, ' ', t('flaggedOnly'))),
      this.status, this.list, this.more);
  }

  setCategories() {
    mount(this.category, h('option', { value: '' }, t('allCategories')),
      allCategories().map((c) => h('option', { value: c.code }, `${c.code} ${c.name}`)));
  }

  async load({ append = false } = {}) {
    const params = {
      category: this.category.value,
      order: this.order.value,
      flag: null,
      limit: 50,
      cursor: append ? this.cursor : null,
    };
    let page;
    try {
      page = await api.get(`/api/v1/console/triage${query(params)}`);
    } catch (error) {
      this.status.textContent = t('actionFailed', { message: error.message });
      return;
    }
    let items = page.items;
    if (this.flagged.checked) items = items.filter((i) => i.flags.length > 0);
    this.items = append ? [...this.items, ...items] : items;
    this.cursor = page.next_cursor;
    this.more.hidden = !this.cursor;
    this.status.textContent = this.items.length === 0 ? t('triageEmpty') : '';
    this.render();
    this.onItems?.(this.items.map((i) => ({ ...i, state: 'reported' })));
  }

  render() {
    mount(this.list, this.items.map((item) =>
      h('li', { class: 'row', dataset: { id: item.id }, onclick: () => this.onOpen?.(item) },
        h('div', { class: 'row-main' },
          h('div', { class: 'row-title' }, categoryName(item.category_code)),
          h('div', { class: 'muted' }, formatDateTime(item.created_at), ' · ', item.text || '')),
        item.flags.length > 0
          ? h('div', { class: 'flags' }, item.flags.map((f) => h('span', { class: 'flag' }, labelOf('flag', f))))
          : null)));
  }
}
