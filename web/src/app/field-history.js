// 已办: my unit's finished dispatches (closed, sent back, withdrawn), newest first, each with its score
// (一事一案一评价); a tap shows the score's items (what was taken off, and why).

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, t } from '../shared/i18n.js';
import { cardBody, statusBadge } from './field-whistles.js';

/** One line of the breakdown: the server names it `item`/`note` (older rows: `rule`/`reason`). */
function scoreItem(row) {
  const points = Number(row.points);
  return h('li', { class: 'score-item' },
    h('span', { class: points < 0 ? 'bad' : 'ok' }, `${points > 0 ? '+' : ''}${points}`), ' ',
    row.note || row.reason || row.item || row.rule || '');
}

function scoreItems(evaluation) {
  const rows = evaluation?.breakdown || [];
  return h('div', { class: 'score-items', hidden: true },
    h('div', { class: 'muted' }, t('scoreItems')),
    rows.length ? h('ul', {}, rows.map(scoreItem)) : h('div', { class: 'ok' }, t('scoreFull')));
}

export class HistoryView {
  constructor({ feed }) {
    this.feed = feed;
    this.list = h('ul', { class: 'report-list history-list', id: 'history-list' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'field-screen' },
      h('div', { class: 'section-head' },
        h('span', {}, t('tabHistory')),
        h('button', { type: 'button', class: 'link', onclick: () => this.load() }, t('refresh'))),
      this.status, this.list);
    // A dispatch closing (state event) moves it here: reload when the screen is showing.
    this.onFeed = () => {
      if (this.el.isConnected) this.load();
    };
    feed.addEventListener('event', this.onFeed);
  }

  stop() {
    this.feed.removeEventListener('event', this.onFeed);
  }

  async load() {
    if (this.list.childElementCount === 0) this.status.textContent = t('loading');
    try {
      const items = await api.getAll('/api/v1/field/history', { pageSize: 200 });
      this.status.textContent = items.length === 0 ? t('historyEmpty') : '';
      const open = new Set([...this.list.querySelectorAll('li.history.open')].map((li) => li.dataset.dispatchId));
      mount(this.list, items.map((item) => this.row(item, open.has(item.dispatch.id))));
    } catch (error) {
      this.status.textContent = t('mineFailed', { message: error.message });
    }
  }

  row(item, open) {
    const d = item.dispatch;
    const score = item.evaluation ? t('score', { score: item.evaluation.score }) : t('notScored');
    const details = scoreItems(item.evaluation);
    const finished = item.finished_at ? h('span', { class: 'muted' }, t('finishedAt', { time: formatDateTime(item.finished_at) })) : null;
    const li = h('li', { class: 'history', dataset: { dispatchId: d.id, state: d.state } },
      cardBody(item, [statusBadge(d), finished], details),
      h('span', { class: `score${item.evaluation ? '' : ' none'}` }, score));
    const toggle = (show) => {
      li.classList.toggle('open', show);
      details.hidden = !show;
    };
    li.addEventListener('click', () => toggle(details.hidden));
    toggle(open);
    return li;
  }
}
