// 我的积分: a courier's balance and ledger (points earned by verified reports, activities and projects,
// spent on redemptions, reversed for duplicates). Read-only here; the ledger lives on the server.

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, labelOf, t } from '../shared/i18n.js';

export class PointsView {
  constructor() {
    this.summary = h('div', { class: 'points-summary', id: 'points-summary' });
    this.list = h('ul', { class: 'report-list', id: 'points-ledger' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'points' },
      h('div', { class: 'section-head' }, h('span', {}, t('tabPoints')), h('button', { type: 'button', class: 'link', onclick: () => this.load() }, t('refresh'))),
      this.summary, this.status, this.list);
  }

  stop() {}

  async load() {
    this.status.textContent = t('loading');
    try {
      const points = await api.get('/api/v1/points/me');
      this.status.textContent = points.entries.length === 0 ? t('pointsEmpty') : '';
      mount(this.summary,
        h('div', { class: 'points-balance' }, h('strong', {}, String(points.balance)), h('span', {}, t('pointsBalance'))),
        h('div', {}, h('strong', {}, String(points.earned)), h('span', {}, t('pointsEarned'))),
        h('div', {}, h('strong', {}, String(points.spent)), h('span', {}, t('pointsSpent'))));
      mount(this.list, points.entries.map((e) =>
        h('li', { class: 'report-item', dataset: { id: String(e.id), kind: e.kind } },
          h('div', { class: 'report-main' },
            h('div', {}, labelOf('entry', e.kind), e.note ? ` · ${e.note}` : ''),
            h('div', { class: 'muted' }, formatDateTime(e.at))),
          h('strong', { class: e.amount >= 0 ? 'ok' : 'bad' }, `${e.amount >= 0 ? '+' : ''}${e.amount}`))));
    } catch (error) {
      this.status.textContent = t('mineFailed', { message: error.message });
    }
  }
}
