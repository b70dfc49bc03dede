// 哨单: the whistles for my unit, most urgent first (the server's order: the running clock's deadline,
// then the newest whistle), each with a live countdown. A new whistle arrives over the live feed while
// the screen is open; a tap opens the case page.

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { statusLabel, t } from '../shared/i18n.js';
import { countdown } from './field-clock.js';
import { CasePage } from './field-case.js';
import { kindOf, listRecords, outboxEvents } from './outbox.js';

/** "联合单位：A（已报到）、B（已派遣）" — the other units on a joint case. */
export function partnersLine(partners) {
  if (!partners?.length) return null;
  const names = partners.map((p) => t('partnerState', { unit: p.unit_name, state: statusLabel(p.state) })).join('、');
  return h('div', { class: 'partners muted' }, `${t('partners')}：${names}`);
}

export function supervisedMark(c) {
  return c.supervision ? h('span', { class: 'supervised', title: c.supervision.office_name }, t('supervised')) : null;
}

export function thumb(url) {
  return url ? h('img', { src: url, alt: '', loading: 'lazy' }) : h('span', { class: 'thumb-empty' });
}

export function statusBadge(d) {
  return h('span', { class: `status-badge status-${d.state}` }, statusLabel(d.state));
}

/** A dispatch's card as 哨单 and 已办 show it: thumbnail, category and case number, place, partners, then
 * the list's own foot (clock or finish time) and `extra` below it. */
export function cardBody(item, foot, ...extra) {
  const c = item.case;
  return [
    thumb(item.thumb_url),
    h('div', { class: 'report-main' },
      h('div', { class: 'whistle-title' },
        supervisedMark(c),
        h('strong', {}, c.category_name),
        h('span', { class: 'muted' }, ` · ${t('caseTitle', { number: c.number })}`)),
      h('div', { class: 'muted place' }, item.place?.label || ''),
      partnersLine(item.partners),
      h('div', { class: 'whistle-foot' }, foot),
      extra),
  ];
}

export class WhistlesView {
  constructor({ feed }) {
    this.feed = feed;
    this.items = [];
    this.queued = new Map(); // dispatch id → kinds waiting in the outbox
    this.fresh = new Set();
    this.casePage = null;
    this.loading = null;
    this.list = h('ul', { class: 'report-list whistle-list', id: 'whistle-list' });
    this.status = h('div', { class: 'muted center', id: 'whistles-status' });
    this.liveBadge = h('span', { class: 'live muted', id: 'field-live' });
    this.screen = h('div', { class: 'whistles' },
      h('div', { class: 'section-head' },
        h('span', {}, t('tabWhistles'), ' ', this.liveBadge),
        h('button', { type: 'button', class: 'link', onclick: () => this.load() }, t('refresh'))),
      this.status, this.list);
    this.el = h('div', { class: 'field-screen' }, this.screen);

    this.onFeed = (e) => this.feedEvent(e.detail);
    this.onStatus = () => this.renderLive();
    this.onOutbox = () => this.refreshQueued();
    feed.addEventListener('event', this.onFeed);
    feed.addEventListener('status', this.onStatus);
    outboxEvents.addEventListener('change', this.onOutbox);
    this.renderLive();
  }

  stop() {
    this.feed.removeEventListener('event', this.onFeed);
    this.feed.removeEventListener('status', this.onStatus);
    outboxEvents.removeEventListener('change', this.onOutbox);
    this.casePage?.stop();
  }

  renderLive() {
    this.liveBadge.textContent = this.feed.live ? `· ${t('liveOn')}` : '';
  }

  feedEvent({ event, data }) {
    if (event === 'whistle' && data?.dispatch_id) this.fresh.add(data.dispatch_id);
    if (this.casePage) this.casePage.feedEvent({ event, data });
    this.load({ quiet: true });
  }

  /** Reload the list; overlapping calls collapse into one more run. */
  async load({ quiet = false } = {}) {
    if (this.casePage && !quiet) return this.casePage.load();
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    if (!quiet && this.items.length === 0) this.status.textContent = t('loading');
    this.loading = (async () => {
      do {
        this.again = false;
        try {
          this.items = await api.getAll('/api/v1/field/whistles', { pageSize: 200 });
          await this.refreshQueued(false);
          this.status.textContent = this.items.length === 0 ? t('whistlesEmpty') : '';
          this.render();
        } catch (error) {
          this.status.textContent = t('mineFailed', { message: error.message });
        }
      } while (this.again);
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }

  async refreshQueued(render = true) {
    const queued = new Map();
    for (const r of await listRecords()) {
      if (!r.dispatchId || r.state === 'sent') continue;
      queued.set(r.dispatchId, [...(queued.get(r.dispatchId) || []), kindOf(r)]);
    }
    this.queued = queued;
    if (render) this.render();
  }

  render() {
    mount(this.list, this.items.map((item) => this.card(item)));
  }

  card(item) {
    const d = item.dispatch;
    const c = item.case;
    const waiting = this.queued.get(d.id) || [];
    const badges = waiting.map((kind) =>
      h('span', { class: 'sync-badge sync-pending' }, t(kind === 'check_in' ? 'checkInPending' : 'resultPending')));
    return h('li', {
      class: `whistle${this.fresh.has(d.id) ? ' fresh' : ''}`,
      dataset: { dispatchId: d.id, caseId: c.id, state: d.state },
      onclick: () => this.open(d.id),
    },
    cardBody(item, [countdown(item.clock, d), statusBadge(d), badges]));
  }

  open(dispatchId) {
    this.fresh.delete(dispatchId);
    this.casePage?.stop();
    this.casePage = new CasePage({ dispatchId, onBack: () => this.back() });
    mount(this.el, this.casePage.el);
    window.scrollTo(0, 0);
    this.casePage.load();
  }

  back() {
    this.casePage?.stop();
    this.casePage = null;
    mount(this.el, this.screen);
    this.load();
  }
}
