// "Same problem?" — reports of the same category already made near here (GET /api/v1/reports/nearby).
// A hint only: the reporter decides. Failures are silent (offline, for instance).

import { api, query } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, statusLabel, t } from '../shared/i18n.js';

const RADIUS_M = 100;

export class NearbyHint {
  constructor() {
    this.el = h('section', { class: 'nearby', hidden: true, 'aria-live': 'polite' });
    this.lastKey = null;
    this.seq = 0;
  }

  /** Look again when the position moved by more than ~10 m or the category changed. */
  async update(fix, category) {
    if (!fix || !category) {
      this.hide();
      return;
    }
    const key = `${category.code}:${fix.lon.toFixed(4)}:${fix.lat.toFixed(4)}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    const seq = ++this.seq;
    let items;
    try {
      items = await api.get(`/api/v1/reports/nearby${query({ lon: fix.lon, lat: fix.lat, datum: 'wgs84', category: category.code, radius_m: RADIUS_M })}`);
    } catch {
      this.lastKey = null;
      return;
    }
    if (seq !== this.seq) return; // a newer question was asked meanwhile
    this.render(items);
  }

  hide() {
    this.lastKey = null;
    this.el.hidden = true;
  }

  render(items) {
    if (!items || items.length === 0) {
      this.el.hidden = true;
      return;
    }
    this.el.hidden = false;
    mount(
      this.el,
      h('div', { class: 'nearby-title' }, t('nearbyTitle', { radius: RADIUS_M, count: items.length })),
      h('div', { class: 'muted' }, t('nearbyHint')),
      h('ul', { class: 'nearby-list' }, items.slice(0, 5).map((r) =>
        h('li', {},
          r.thumb_url ? h('img', { src: r.thumb_url, alt: '', loading: 'lazy' }) : h('span', { class: 'thumb-empty' }),
          h('div', {},
            h('div', {}, r.text || statusLabel(r.status)),
            h('div', { class: 'muted' }, `${t('nearbyDistance', { distance: Math.round(r.distance_m) })} · ${statusLabel(r.status)} · ${formatDateTime(r.created_at)}`)),
        ),
      )),
    );
  }
}
