// The report form: photos, position, category, text, the "same problem?" hint, and submit.
// Submit stores the report in the outbox first, then asks the sender to deliver it.

import { h } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { CategoryPicker } from './category-picker.js';
import { newReportId, isoWithOffset } from './ids.js';
import { PositionWatcher } from './location.js';
import { NearbyHint } from './nearby.js';
import { addReport } from './outbox.js';
import { OutboxList } from './outbox-list.js';
import { PhotoPicker } from './photos.js';
import { kick } from './sync.js';

const RECENT_MS = 10 * 60 * 1000;

export class ReportView {
  constructor({ categoryName }) {
    this.position = new PositionWatcher();
    this.photos = new PhotoPicker(() => this.validate(false));
    this.picker = new CategoryPicker(() => {
      this.validate(false);
      this.nearby.update(this.position.current(), this.picker.selected);
    });
    this.nearby = new NearbyHint();
    // What is still on the phone, and what was delivered in the last ten minutes (so "已送达" shows).
    this.pending = new OutboxList({ filter: (r) => r.state !== 'sent' || Date.now() - r.sentAt < RECENT_MS, categoryName });

    this.locationText = h('span', { id: 'location-text' }, t('locating'));
    this.locationButton = h('button', { type: 'button', class: 'link', onclick: () => this.position.start() }, t('locationRetry'));
    this.position.addEventListener('change', () => this.renderPosition());

    this.text = h('textarea', { id: 'report-text', rows: 3, maxlength: 2000, placeholder: t('descriptionPlaceholder') });
    this.message = h('div', { class: 'form-message', role: 'status' });
    this.submitButton = h('button', { type: 'submit', class: 'primary block', id: 'submit-report' }, t('submit'));

    this.el = h(
      'form',
      { class: 'report-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.pending.el,
      this.photos.el,
      h('section', { class: 'field' },
        h('div', { class: 'field-head' }, h('span', { class: 'label' }, t('location')), this.locationButton),
        h('div', { class: 'location-line' }, this.locationText)),
      this.picker.el,
      this.nearby.el,
      h('section', { class: 'field' }, h('label', { class: 'label', for: 'report-text' }, t('description')), this.text),
      this.message,
      this.submitButton,
      this.picker.sheet,
    );
  }

  start() {
    this.position.start();
  }

  stop() {
    this.position.stop();
    this.pending.dispose();
  }

  setCategories(categories) {
    this.picker.setCategories(categories);
  }

  renderPosition() {
    const fix = this.position.current();
    if (fix) {
      this.locationText.textContent = `${t('locationAccuracy', { accuracy: Math.round(fix.accuracy) })} · ${fix.lon.toFixed(5)}, ${fix.lat.toFixed(5)}`;
      this.locationText.className = fix.accuracy <= 50 ? 'good' : 'fair';
      this.nearby.update(fix, this.picker.selected);
    } else if (this.position.error) {
      this.locationText.textContent = `${t('locationUnavailable', { reason: this.position.error })}。${t('locationMissingHint')}`;
      this.locationText.className = 'bad';
    } else {
      this.locationText.textContent = t('locating');
      this.locationText.className = '';
    }
  }

  validate(show = true) {
    let problem = null;
    if (this.photos.files.length === 0) problem = t('needPhoto');
    else if (!this.picker.selected) problem = t('needCategory');
    if (show || !problem) this.message.textContent = problem || '';
    this.message.className = problem ? 'form-message error' : 'form-message';
    return problem === null;
  }

  async submit() {
    if (!this.validate(true)) return;
    this.submitButton.disabled = true;
    try {
      const fix = this.position.current();
      const id = newReportId();
      this.message.textContent = t('preparingPhotos');
      this.message.className = 'form-message';
      const photos = await this.photos.snapshots();
      const fields = {
        category: this.picker.selected.code,
        text: this.text.value.trim(),
        lon: fix ? fix.lon.toFixed(7) : null,
        lat: fix ? fix.lat.toFixed(7) : null,
        datum: 'wgs84',
        accuracy_m: fix ? fix.accuracy.toFixed(1) : null,
        captured_at: isoWithOffset(),
      };
      await addReport({ id, fields, photos });
      this.reset();
      this.message.textContent = t('submitQueued');
      this.message.className = 'form-message ok';
      kick();
    } catch (error) {
      this.message.textContent = t('submitSaveFailed', { message: error.message });
      this.message.className = 'form-message error';
    } finally {
      this.submitButton.disabled = false;
    }
  }

  reset() {
    this.photos.clear();
    this.picker.reset();
    this.nearby.hide();
    this.text.value = '';
  }
}
