// 案卷: the latest cases, filterable by state.

import { api, query } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, labelOf, statusLabel, t } from '../shared/i18n.js';
import { categoryName } from './lookups.js';
import { supervisionBadge } from './supervision-panel.js';

const SOURCES = ['grid_worker', 'courier', 'hotline', 'referral', 'open311', 'inspection'];

const STATES = ['filed', 'on_hold', 'dispatched', 'checked_in', 'handled', 'verifying', 'closed', 'voided', 'merged'];

export class CasesPanel {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.state = h('select', { class: 'filter', onchange: () => this.load() },
      h('option', { value: '' }, t('allStates')), STATES.map((s) => h('option', { value: s }, statusLabel(s))));
    this.source = h('select', { class: 'filter', id: 'cases-source', onchange: () => this.load() },
      h('option', { value: '' }, t('allSources')), SOURCES.map((s) => h('option', { value: s }, labelOf('source', s))));
    this.supervised = h('input', { type: 'checkbox', id: 'cases-supervised', onchange: () => this.load() });
    this.list = h('ul', { class: 'rows', id: 'cases-list' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'panel' },
      h('div', { class: 'filters' }, this.state, this.source, h('label', { class: 'check' }, this.supervised, ' ', t('supervisedOnly'))),
      this.status, this.list);
  }

  async load() {
    try {
      const params = { state: this.state.value, source: this.source.value, supervised: this.supervised.checked ? 'true' : '', limit: 200 };
      const cases = await api.get(`/api/v1/console/cases${query(params)}`);
      this.status.textContent = cases.length === 0 ? t('casesEmpty') : '';
      mount(this.list, cases.map((c) =>
        h('li', { class: 'row', dataset: { id: c.id, state: c.state }, onclick: () => this.onOpen(c.id) },
          h('div', { class: 'row-main' },
            h('div', { class: 'row-title' }, t('caseTitle', { number: c.number }), ' · ', categoryName(c.category_code), ' ', supervisionBadge(c.supervision)),
            h('div', { class: 'muted' }, formatDateTime(c.created_at), ' · ', labelOf('source', c.source))),
          h('span', { class: `status-badge status-${c.state}` }, statusLabel(c.state)))));
    } catch (error) {
      this.status.textContent = t('actionFailed', { message: error.message });
    }
  }
}
