// 督办看板: running dispatches with their limits and traffic-light clocks, red first.

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, formatLimit, labelOf, statusLabel, t } from '../shared/i18n.js';
import { categoryName, rememberUnit } from './lookups.js';

export class BoardPanel {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.summary = h('div', { class: 'board-summary' });
    this.list = h('ul', { class: 'rows', id: 'board-list' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'panel' }, this.summary, this.status, this.list);
  }

  async load() {
    let rows;
    try {
      rows = await api.get('/api/v1/console/board?limit=500');
    } catch (error) {
      this.status.textContent = t('actionFailed', { message: error.message });
      return;
    }
    for (const r of rows) rememberUnit({ id: r.unit_id, name: r.unit_name });
    this.status.textContent = rows.length === 0 ? t('boardEmpty') : '';
    const counts = { red: 0, yellow: 0, green: 0 };
    for (const r of rows) counts[r.colour] = (counts[r.colour] || 0) + 1;
    mount(this.summary, ['red', 'yellow', 'green'].map((c) =>
      h('div', { class: `light light-${c}` }, h('strong', {}, String(counts[c])), ' ', labelOf('colour', c))));
    mount(this.list, rows.map((r) =>
      h('li', { class: `row light-row-${r.colour}`, dataset: { id: r.dispatch_id, colour: r.colour }, onclick: () => this.onOpen(r.case_id) },
        h('span', { class: `dot dot-${r.colour}`, title: labelOf('colour', r.colour) }),
        h('div', { class: 'row-main' },
          h('div', { class: 'row-title' }, t('caseTitle', { number: r.case_number }), ' · ', r.unit_name),
          h('div', { class: 'muted' }, categoryName(r.category_code), ' · ',
            `${labelOf('clock', 'check_in')} ${formatLimit(r.check_in_limit)} ${formatDateTime(r.check_in_deadline)}（${labelOf('colour', r.check_in_colour)}）`, ' · ',
            `${labelOf('clock', 'handling')} ${formatLimit(r.handling_limit)} ${formatDateTime(r.handling_deadline)}（${labelOf('colour', r.handling_colour)}）`)),
        h('span', { class: `status-badge status-${r.state}` }, statusLabel(r.state)))));
  }
}
