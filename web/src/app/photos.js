// The photo picker: camera capture or gallery, up to nine photos, with thumbnails, and the "原图" switch.
// `snapshots()` prepares the photos for the outbox (prepare.js: resized on the phone, the original's EXIF
// kept), or, with 原图 on, copies the originals untouched.
// Used by the report form and by each verification task (核查照片); `inputId` keeps their inputs apart.

import { h, mount } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { preparePhotos } from './prepare.js';

export const MAX_PHOTOS = 9;

export class PhotoPicker {
  constructor(onChange, { inputId = 'photo-input', label = t('photos') } = {}) {
    this.inputId = inputId;
    this.files = [];
    this.urls = new Map();
    this.onChange = onChange;
    this.input = h('input', {
      type: 'file',
      accept: 'image/*',
      capture: 'environment',
      multiple: true,
      class: 'visually-hidden',
      id: inputId,
      onchange: () => this.add(this.input.files),
    });
    this.grid = h('div', { class: 'photo-grid' });
    this.counter = h('span', { class: 'muted' });
    this.notice = h('div', { class: 'field-error', role: 'alert' });
    this.originalSwitch = h('input', { type: 'checkbox', id: `${inputId}-original`, class: 'photo-original' });
    this.el = h(
      'section',
      { class: 'field' },
      h('div', { class: 'field-head' },
        h('span', { class: 'label' }, label),
        h('label', { class: 'photo-original-label', for: `${inputId}-original`, title: t('originalPhotosHint') }, this.originalSwitch, t('originalPhotos')),
        this.counter),
      this.grid,
      this.notice,
    );
    this.render();
  }

  add(fileList) {
    const incoming = [...(fileList || [])].filter((f) => f.size > 0);
    const room = MAX_PHOTOS - this.files.length;
    this.notice.textContent = incoming.length > room ? t('photoLimit', { max: MAX_PHOTOS }) : '';
    this.files.push(...incoming.slice(0, Math.max(0, room)));
    this.input.value = '';
    this.render();
    this.onChange?.();
  }

  /** The photos as the outbox stores them: prepared on the phone, or the originals with 原图 on. */
  snapshots() {
    return preparePhotos(this.files, { original: this.originalSwitch.checked });
  }

  remove(file) {
    this.files = this.files.filter((f) => f !== file);
    const url = this.urls.get(file);
    if (url) URL.revokeObjectURL(url);
    this.urls.delete(file);
    this.render();
    this.onChange?.();
  }

  clear() {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
    this.files = [];
    this.originalSwitch.checked = false;
    this.notice.textContent = '';
    this.render();
  }

  urlOf(file) {
    if (!this.urls.has(file)) this.urls.set(file, URL.createObjectURL(file));
    return this.urls.get(file);
  }

  render() {
    this.counter.textContent = t('photoCount', { count: this.files.length, max: MAX_PHOTOS });
    const tiles = this.files.map((file) =>
      h(
        'div',
        { class: 'photo-tile' },
        h('img', { src: this.urlOf(file), alt: file.name }),
        h('button', { type: 'button', class: 'photo-remove', 'aria-label': t('removePhoto'), onclick: () => this.remove(file) }, '×'),
      ),
    );
    const adder =
      this.files.length < MAX_PHOTOS
        ? h('label', { class: 'photo-add', for: this.inputId }, h('span', { class: 'photo-add-icon' }, '+'), h('span', {}, t('addPhotos')))
        : null;
    mount(this.grid, tiles, adder, this.input);
  }
}
