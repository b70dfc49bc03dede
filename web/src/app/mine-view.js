// My reports: what is still on the phone (with its sync state), then what the server has, with status.

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, statusLabel, t } from '../shared/i18n.js';
import { OutboxList } from './outbox-list.js';

const nameOf = (x) => (x && typeof x === 'object' ? x.name : x) || '';

export function placeOf(routing) {
  if (!routing) return '';
  if (routing.status === 'unrouted') return t('unrouted');
  return [nameOf(routing.district), nameOf(routing.street), nameOf(routing.community)].filter(Boolean).join(' · ');
}

export class MineView {
  constructor({ categoryName }) {
    this.categoryName = categoryName;
    this.outbox = new OutboxList({ filter: (r) => r.state !== 'sent', categoryName });
    this.list = h('ul', { class: 'report-list', id: 'my-reports' });
    this.status = h('div', { class: 'muted center' });
    this.el = h(
      'div',
      { class: 'mine' },
      this.outbox.el,
      h('div', { class: 'section-head' }, h('span', {}, t('tabMine')), h('button', { type: 'button', class: 'link', onclick: () => this.load() }, t('refresh'))),
      this.status,
      this.list,
    );
  }

  stop() {
    this.outbox.dispose();
  }

  async load() {
    this.status.textContent = t('loading');
    try {
      const reports = await api.get('/api/v1/reports/mine');
      this.status.textContent = reports.length === 0 ? t('mineEmpty') : '';
      this.render(reports);
    } catch (error) {
      this.status.textContent = t('mineFailed', { message: error.message });
    }
  }

  render(reports) {
    mount(
      this.list,
      reports.map((r) =>
        h('li', { class: 'report-item', dataset: { id: r.id, status: r.status } },
          r.photos?.[0]?.thumb_url ? h('img', { src: r.photos[0].thumb_url, alt: '', loading: 'lazy' }) : h('span', { class: 'thumb-empty' }),
          h('div', { class: 'report-main' },
            h('div', {}, this.categoryName(r.category), r.text ? ` · ${r.text}` : ''),
            h('div', { class: 'muted' }, formatDateTime(r.created_at), placeOf(r.routing) ? ` · ${placeOf(r.routing)}` : '')),
          h('span', { class: `status-badge status-${r.status}` }, statusLabel(r.status))),
      ),
    );
  }
}
