// The case page of one of my unit's dispatches: where (map, district · street · community · grid, the
// reporter's address), what (the reporter's text and photos), who else (the other units of a joint case
// and their state), my unit's photos, the log, and the actions the server allows now (allowed_actions):
// 报到, 处置反馈, 申请延期, 退回.

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, labelOf, statusLabel, t } from '../shared/i18n.js';
import { CheckInForm, checkInStatus } from './field-checkin.js';
import { countdown } from './field-clock.js';
import { extensionDialog, sendBackDialog } from './field-dialogs.js';
import { showCaseMap } from './field-map.js';
import { ResultForm, resultStatus } from './field-result.js';
import { listForDispatch, outboxEvents } from './outbox.js';

const ACTIONS = ['check_in', 'submit_result', 'request_extension', 'send_back'];
const waiting = (records) => records.some((r) => r.state === 'pending' || r.state === 'sending');

function photoStrip(photos, { id, label }) {
  return h('section', { class: 'field', id },
    h('span', { class: 'label' }, label),
    photos.length
      ? h('div', { class: 'photo-strip' }, photos.map((p) =>
        h('a', { href: p.url, target: '_blank', rel: 'noopener', dataset: { kind: p.kind || 'report' } },
          h('img', { src: p.thumb_url || p.url, alt: p.kind ? labelOf('photoKind', p.kind) : label }))))
      : h('div', { class: 'muted' }, t('noPhotos')));
}

export class CasePage {
  constructor({ dispatchId, onBack }) {
    this.dispatchId = dispatchId;
    this.onBack = onBack;
    this.detail = null;
    this.records = { check_in: [], result: [] };
    this.form = null; // the open 报到 or 处置反馈 form, if any
    this.message = h('div', { class: 'form-message', role: 'status', id: 'field-message' });
    this.body = h('div', {}, h('div', { class: 'muted center' }, t('loading')));
    this.el = h('div', { class: 'field-case', id: 'field-case', dataset: { dispatchId } },
      h('button', { type: 'button', class: 'link', id: 'field-back', onclick: () => onBack() }, `‹ ${t('back')}`),
      this.body);
    this.onOutbox = () => this.outboxChanged();
    outboxEvents.addEventListener('change', this.onOutbox);
  }

  stop() {
    outboxEvents.removeEventListener('change', this.onOutbox);
    this.form?.stop();
  }

  feedEvent() {
    if (!this.form) this.load();
  }

  async readQueue() {
    this.records = {
      check_in: await listForDispatch(this.dispatchId, 'check_in'),
      result: await listForDispatch(this.dispatchId, 'result'),
    };
  }

  async load() {
    try {
      const [detail] = await Promise.all([api.get(`/api/v1/field/dispatches/${this.dispatchId}`), this.readQueue()]);
      this.detail = detail;
      if (!this.form) this.render();
    } catch (error) {
      if (!this.detail) mount(this.body, h('p', { class: 'bad' }, t('caseLoadFailed', { message: error.message })));
    }
  }

  /** An upload of this dispatch moved on in the outbox: show it; once delivered, reload the case. */
  async outboxChanged() {
    const before = [...this.records.check_in, ...this.records.result].filter((r) => r.state !== 'sent').map((r) => r.id);
    await this.readQueue();
    const delivered = [...this.records.check_in, ...this.records.result].some((r) => r.state === 'sent' && before.includes(r.id));
    if (delivered) {
      this.message.textContent = ''; // "已保存，正在发送" is over: the status says where it stands
      await this.load();
    }
    else if (this.detail && !this.form) this.render();
  }

  actionButtons(d) {
    const hidden = {
      check_in: waiting(this.records.check_in),
      submit_result: waiting(this.records.result),
    };
    const run = {
      check_in: () => this.openForm(new CheckInForm({ item: this.detail, onDone: (message) => this.closeForm(message) })),
      submit_result: () => this.openForm(new ResultForm({ item: this.detail, onDone: (message) => this.closeForm(message) })),
      request_extension: () => this.act(() => extensionDialog(d), t('extensionDone')),
      send_back: () => this.act(() => sendBackDialog(d), t('sendBackDone')),
    };
    return ACTIONS.filter((a) => d.allowed_actions.includes(a) && !hidden[a]).map((a) =>
      h('button', { type: 'button', class: a === 'check_in' || a === 'submit_result' ? 'primary' : '', id: `act-${a}`, onclick: run[a] },
        a === 'send_back' ? t('sendBackButton') : t(`act_${a}`)));
  }

  async act(work, done) {
    this.message.className = 'form-message';
    try {
      const answer = await work();
      if (answer === null) return;
      this.message.textContent = done;
      this.message.className = 'form-message ok';
      await this.load();
    } catch (error) {
      this.message.textContent = t('actionFailed', { message: error.message });
      this.message.className = 'form-message error';
    }
  }

  openForm(form) {
    this.form?.stop();
    this.form = form;
    this.message.textContent = '';
    this.render();
    form.start();
    form.el.scrollIntoView?.({ block: 'start' });
  }

  closeForm(message = '') {
    this.form?.stop();
    this.form = null;
    this.message.textContent = message;
    this.message.className = 'form-message ok';
    this.readQueue().then(() => this.render());
  }

  render() {
    const item = this.detail;
    const d = item.dispatch;
    const c = item.case;
    const place = item.place || {};
    const mapBox = this.mapFor(item);
    const partners = item.partners || [];
    mount(this.body,
      h('section', { class: 'field case-head' },
        h('div', { class: 'whistle-title' },
          c.supervision ? h('span', { class: 'supervised' }, t('supervised')) : null,
          h('strong', {}, c.category_name), h('span', { class: 'muted' }, ` · ${t('caseTitle', { number: c.number })}`)),
        h('div', { class: 'whistle-foot' },
          countdown(item.clock, d),
          h('span', { class: `status-badge status-${d.state}`, id: 'field-state' }, statusLabel(d.state))),
        d.extension_request
          ? h('div', { class: 'muted' }, t('extensionPending', {
            amount: Number(d.extension_request.amount), unit: labelOf('limitUnit', d.extension_request.unit), reason: d.extension_request.reason || '' }))
          : null),
      h('section', { class: 'field', id: 'field-place' },
        h('span', { class: 'label' }, t('place')),
        h('div', { class: 'place-label' }, place.label || ''),
        item.address ? h('div', { class: 'muted' }, `${t('address')}：${item.address}`) : null,
        mapBox),
      h('section', { class: 'field', id: 'field-report' },
        h('span', { class: 'label' }, t('reporterText')),
        h('div', { class: 'reporter-text' }, item.description || '—')),
      photoStrip(item.photos || [], { id: 'field-photos', label: t('reporterPhotos') }),
      h('section', { class: 'field', id: 'field-partners' },
        h('span', { class: 'label' }, t('partners')),
        partners.length
          ? h('ul', { class: 'partner-list' }, partners.map((p) =>
            h('li', { class: 'partner', dataset: { unitId: p.unit_id, state: p.state } },
              h('span', {}, p.unit_name), ' ', h('span', { class: `status-badge status-${p.state}` }, statusLabel(p.state)))))
          : h('div', { class: 'muted' }, t('noPartners', { unit: item.unit_name || '' }))),
      checkInStatus(d, this.records.check_in[0]),
      resultStatus(d, this.records.result[0]),
      this.form ? this.form.el : h('div', { class: 'field-actions' }, this.actionButtons(d)),
      this.message,
      photoStrip(item.my_photos || [], { id: 'field-my-photos', label: t('myPhotos') }),
      item.evaluation ? h('section', { class: 'field', id: 'field-evaluation' },
        h('span', { class: 'label' }, t('score', { score: item.evaluation.score }))) : null,
      h('section', { class: 'field', id: 'field-log' },
        h('span', { class: 'label' }, t('caseLog')),
        h('ul', { class: 'log-list' }, (item.events || []).map((e) =>
          h('li', {}, h('span', { class: 'muted' }, formatDateTime(e.at)), ' ', labelOf('act', e.action), e.note ? `：${e.note}` : '')))));
  }

  /** The map box, drawn again only when the case's or my check-in's position changed. */
  mapFor(item) {
    const mine = item.dispatch.check_in_position || null;
    const key = JSON.stringify([item.lon, item.lat, mine]);
    if (this.mapKey !== key) {
      this.mapKey = key;
      this.mapBox = h('div', { class: 'field-map', id: 'field-map' });
      showCaseMap(this.mapBox, { lon: item.lon, lat: item.lat, mine });
    }
    return this.mapBox;
  }
}
