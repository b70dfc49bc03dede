// 报到 on site: the phone's position (one fresh fix, high accuracy, up to 15 s), at least one photo taken
// there, and a note. It goes into the outbox first, like a report (queued in IndexedDB, sent once with
// its Idempotency-Key made when the officer tapped 报到), so a dead zone on site loses nothing. The server
// answers the distance from the case; a far one (over WHISTLE_CASES__CHECK_IN_FAR_M, 300 m by default) is flagged
// and shown.

import { h } from '../shared/dom.js';
import { formatDateTime, labelOf, t } from '../shared/i18n.js';
import { discardButton, uploadLabel } from './field-upload.js';
import { newReportId } from './ids.js';
import { addRecord } from './outbox.js';
import { PhotoPicker } from './photos.js';
import { kick } from './sync.js';

const POSITION_ERRORS = { 1: 'denied', 2: 'unavailable', 3: 'timeout' };

/** One fresh position: {lon, lat, accuracy} or {error: 'denied'|'unavailable'|'timeout'}. */
export function locateOnce() {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) {
      resolve({ error: 'unavailable' });
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy }),
      (err) => resolve({ error: POSITION_ERRORS[err.code] || 'unavailable' }),
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 0 },
    );
  });
}

function positionFields(fix) {
  if (fix.error) return { position_error: fix.error };
  return { lon: fix.lon.toFixed(7), lat: fix.lat.toFixed(7), accuracy_m: Number.isFinite(fix.accuracy) ? fix.accuracy.toFixed(1) : null };
}

/** Where the unit's 报到 stands: queued on the phone, or done (with the server's distance and flag). */
export function checkInStatus(d, record) {
  // A failed upload stays shown (with the server's reason) until the unit has reported in some other way.
  const queued = record && record.state !== 'sent' && !(record.state === 'failed' && d.checked_in_at) ? record : null;
  const answer = d.checked_in_at ? d : record?.state === 'sent' ? record.result : null;
  if (!queued && !answer) return null;
  if (queued) {
    return h('section', { class: `field upload-status state-${queued.state}`, id: 'checkin-status', dataset: { state: queued.state } },
      h('span', { class: `sync-badge sync-${queued.state}` }, `${t('act_check_in')} · ${uploadLabel(queued, t('checkInDone'))}`),
      discardButton(queued));
  }
  const distance = answer.check_in_distance_m;
  const far = answer.check_in_far
    ? h('div', { class: 'far-warning', id: 'checkin-far', role: 'alert' },
      t('checkInFar', { distance: Math.round(distance) }))
    : null;
  let where = '';
  if (distance !== null && distance !== undefined) where = t('checkInDistanceHere', { distance: Math.round(distance) });
  else if (answer.check_in_position_error) where = t('checkInNoPosition', { reason: labelOf('positionError', answer.check_in_position_error) });
  return h('section', { class: 'field upload-status state-sent', id: 'checkin-status', dataset: { state: 'sent' } },
    h('span', { class: 'sync-badge sync-sent' }, t('checkInDone')),
    answer.checked_in_at ? h('span', { class: 'muted' }, ` ${formatDateTime(answer.checked_in_at)}`) : null,
    where ? h('div', { class: 'checkin-distance' }, where) : null,
    far);
}

export class CheckInForm {
  constructor({ item, onDone }) {
    this.item = item;
    this.onDone = onDone;
    this.id = null;
    this.position = null;
    this.picker = new PhotoPicker(() => (this.error.textContent = ''), { inputId: 'checkin-photos', label: t('checkInSitePhotos') });
    this.positionLine = h('div', { class: 'location-line', id: 'checkin-position' }, t('positionLocating'));
    this.note = h('textarea', { id: 'checkin-note', rows: 2, maxlength: 2000, placeholder: t('checkInNote') });
    this.error = h('div', { class: 'field-error', role: 'alert' });
    this.sendButton = h('button', { type: 'submit', class: 'primary', id: 'checkin-send' }, t('checkInSend'));
    this.el = h('form', { class: 'field field-form', id: 'checkin-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.send(); } },
      h('span', { class: 'label' }, t('checkInTitle')),
      h('div', { class: 'muted' }, t('checkInHint')),
      this.positionLine,
      this.picker.el,
      this.note,
      this.error,
      h('div', { class: 'form-buttons' },
        h('button', { type: 'button', id: 'checkin-cancel', onclick: () => this.onDone('') }, t('cancel')),
        this.sendButton));
  }

  /** The officer tapped 报到: the upload's id (its Idempotency-Key) is made now, and the phone locates. */
  start() {
    this.id = newReportId();
    this.position = locateOnce().then((fix) => {
      this.positionLine.textContent = fix.error
        ? t('positionFailed', { reason: labelOf('positionError', fix.error) })
        : `${t('positionGot', { accuracy: Math.round(fix.accuracy) })} · ${fix.lon.toFixed(5)}, ${fix.lat.toFixed(5)}`;
      this.positionLine.className = `location-line ${fix.error ? 'bad' : 'good'}`;
      return fix;
    });
  }

  stop() {
    this.picker.clear();
  }

  async send() {
    if (this.picker.files.length === 0) {
      this.error.textContent = t('checkInNeedPhoto');
      return;
    }
    this.sendButton.disabled = true;
    try {
      const fix = await this.position;
      const photos = await this.picker.snapshots();
      const fields = { note: this.note.value.trim(), ...positionFields(fix) };
      await addRecord({ id: this.id, kind: 'check_in', dispatchId: this.item.dispatch.id, fields, photos });
      kick();
      this.onDone(t('checkInQueued'));
    } catch (error) {
      this.error.textContent = t('submitSaveFailed', { message: error.message });
      this.sendButton.disabled = false;
    }
  }
}
