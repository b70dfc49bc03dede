// 案卷: the latest cases, filterable by state.

import { api, query } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, statusLabel, t } from '../shared/i18n.js';
import { categoryName } from './lookups.js';

const STATES = ['filed', 'on_hold', 'dispatched', 'checked_in', 'handled', 'verifying', 'closed', 'voided', 'merged'];

export class CasesPanel {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.state = h('select', { class: 'filter', onchange: () => this.load() },
      h('option', { value: '' }, t('allStates')), STATES.map((s) => h('option', { value: s }, statusLabel(s))));
    this.list = h('ul', { class: 'rows', id: 'cases-list' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'panel' }, h('div', { class: 'filters' }, this.state), this.status, this.list);
  }

  async load() {
    try {
      const cases = await api.get(`/api/v1/console/cases${query({ state: this.state.value, limit: 200 })}`);
      this.status.textContent = cases.length === 0 ? t('casesEmpty') : '';
      mount(this.list, cases.map((c) =>
        h('li', { class: 'row', dataset: { id: c.id, state: c.state }, onclick: () => this.onOpen(c.id) },
          h('div', { class: 'row-main' },
            h('div', { class: 'row-title' }, t('caseTitle', { number: c.number }), ' · ', categoryName(c.category_code)),
            h('div', { class: 'muted' }, formatDateTime(c.created_at))),
          h('span', { class: `status-badge status-${c.state}` }, statusLabel(c.state)))));
    } catch (error) {
      this.status.textContent = t('actionFailed', { message: error.message });
    }
  }
}
