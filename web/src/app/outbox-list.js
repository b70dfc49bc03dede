// The per-report sync state, as the reporter sees it: 待发送 / 发送中 / 已送达 / 失败(原因).

import { h, mount } from '../shared/dom.js';
import { formatDateTime, t } from '../shared/i18n.js';
import { deleteReport, listReports, outboxEvents } from './outbox.js';
import { retryAllNow } from './sync.js';

export function syncLabel(record, now = Date.now()) {
  switch (record.state) {
    case 'sending':
      return t('syncSending');
    case 'sent':
      return t('syncSent');
    case 'failed':
      return t('syncFailed', { reason: record.lastError?.message || '' });
    default: {
      if (record.lastError?.status === 401) return `${t('syncPending')} · ${t('syncWaitingLogin')}`;
      if (record.lastError && record.nextAttemptAt > now) {
        const seconds = Math.ceil((record.nextAttemptAt - now) / 1000);
        const reason = record.lastError.code === 'network' ? t('syncOffline') : record.lastError.message;
        return `${t('syncPending')} · ${reason} · ${t('syncNextTry', { seconds })}`;
      }
      return t('syncPending');
    }
  }
}

/** A live list of outbox records; `filter` picks which ones (e.g. only the undelivered). */
export class OutboxList {
  constructor({ filter = () => true, title = t('outboxTitle'), categoryName = (code) => code } = {}) {
    this.filter = filter;
    this.title = title;
    this.categoryName = categoryName;
    this.el = h('section', { class: 'outbox', hidden: true });
    this.refresh = this.refresh.bind(this);
    outboxEvents.addEventListener('change', this.refresh);
    // Count-down of the next retry.
    this.ticker = setInterval(() => {
      if (!this.el.hidden && this.records?.some((r) => r.state === 'pending' && r.nextAttemptAt > Date.now())) this.render();
    }, 1000);
    this.refresh();
  }

  dispose() {
    clearInterval(this.ticker);
    outboxEvents.removeEventListener('change', this.refresh);
  }

  async refresh() {
    this.records = (await listReports()).filter(this.filter);
    this.render();
  }

  render() {
    const records = this.records || [];
    this.el.hidden = records.length === 0;
    const hasWaiting = records.some((r) => r.state === 'pending');
    mount(
      this.el,
      h('div', { class: 'section-head' },
        h('span', {}, this.title),
        hasWaiting ? h('button', { type: 'button', class: 'link', onclick: () => retryAllNow() }, t('retry')) : null),
      h('ul', { class: 'outbox-list' }, records.map((r) =>
        h('li', { class: `outbox-item state-${r.state}`, dataset: { id: r.id, state: r.state } },
          h('div', { class: 'outbox-main' },
            h('div', {}, this.categoryName(r.fields.category), r.fields.text ? ` · ${r.fields.text}` : ''),
            h('div', { class: 'muted' }, formatDateTime(r.createdAt))),
          h('span', { class: `sync-badge sync-${r.state}`, 'data-testid': 'sync-state' }, syncLabel(r)),
          r.state === 'failed'
            ? h('button', { type: 'button', class: 'link danger', onclick: () => deleteReport(r.id) }, t('delete'))
            : null),
      )),
    );
  }
}
