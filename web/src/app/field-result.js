// 处置反馈: what the unit did, with photos, through the same outbox as reports and check-ins (queued in
// IndexedDB, bounded photos, sent once with its Idempotency-Key).

import { h } from '../shared/dom.js';
import { formatDateTime, t } from '../shared/i18n.js';
import { discardButton, uploadLabel } from './field-upload.js';
import { newReportId } from './ids.js';
import { addRecord } from './outbox.js';
import { PhotoPicker } from './photos.js';
import { kick } from './sync.js';

/** Where the unit's result stands: queued on the phone, or delivered. */
export function resultStatus(d, record) {
  if (record && record.state !== 'sent' && !(record.state === 'failed' && d.result_at)) {
    return h('section', { class: `field upload-status state-${record.state}`, id: 'result-status', dataset: { state: record.state } },
      h('span', { class: `sync-badge sync-${record.state}` }, `${t('act_submit_result')} · ${uploadLabel(record, t('resultDone'))}`),
      discardButton(record));
  }
  if (!d.result_at) return null;
  return h('section', { class: 'field upload-status state-sent', id: 'result-status', dataset: { state: 'sent' } },
    h('span', { class: 'sync-badge sync-sent' }, t('resultDone')),
    h('span', { class: 'muted' }, ` ${formatDateTime(d.result_at)}`),
    d.result_note ? h('div', {}, `${t('resultNote')}：${d.result_note}`) : null);
}

export class ResultForm {
  constructor({ item, onDone }) {
    this.item = item;
    this.onDone = onDone;
    this.id = null;
    this.picker = new PhotoPicker(() => (this.error.textContent = ''), { inputId: 'result-photos', label: t('resultPhotos') });
    this.note = h('textarea', { id: 'result-note', rows: 3, maxlength: 2000, placeholder: t('resultNotePlaceholder') });
    this.error = h('div', { class: 'field-error', role: 'alert' });
    this.sendButton = h('button', { type: 'submit', class: 'primary', id: 'result-send' }, t('resultSend'));
    this.el = h('form', { class: 'field field-form', id: 'result-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.send(); } },
      h('span', { class: 'label' }, t('resultTitle')),
      h('label', { for: 'result-note' }, t('resultNote')),
      this.note,
      this.picker.el,
      this.error,
      h('div', { class: 'form-buttons' },
        h('button', { type: 'button', id: 'result-cancel', onclick: () => this.onDone('') }, t('cancel')),
        this.sendButton));
  }

  start() {
    this.id = newReportId();
  }

  stop() {
    this.picker.clear();
  }

  async send() {
    const note = this.note.value.trim();
    if (!note && this.picker.files.length === 0) {
      this.error.textContent = t('resultNeedNote');
      return;
    }
    this.sendButton.disabled = true;
    try {
      const photos = await this.picker.snapshots();
      await addRecord({ id: this.id, kind: 'result', dispatchId: this.item.dispatch.id, fields: { note }, photos });
      kick();
      this.onDone(t('resultQueued'));
    } catch (error) {
      this.error.textContent = t('submitSaveFailed', { message: error.message });
      this.sendButton.disabled = false;
    }
  }
}
