// 新建案卷: a case made by hand from a 12345 call, a supervising office's referral or the street's own
// inspection. The position is a place found by name (our own divisions, grids, units, stations) or a click
// on the map; the caller's name and phone stay with the command center. One Idempotency-Key per form, so
// pressing 建案 again after a network failure never makes a second case.

import { newReportId } from '../app/ids.js';
import { api, query, request } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { labelOf, t } from '../shared/i18n.js';
import { allCategories } from './lookups.js';

const SOURCES = ['hotline', 'referral', 'inspection'];

function field(label, input) {
  return [h('label', { for: input.id }, label), input];
}

export class NewCasePanel {
  constructor({ mapPanel, onBack, onCreated, notify }) {
    this.mapPanel = mapPanel;
    this.onBack = onBack;
    this.onCreated = onCreated;
    this.notify = notify;
    this.el = h('div', { class: 'panel detail', id: 'new-case' });
  }

  async open() {
    this.key = newReportId();
    this.position = null; // {place: {kind, code}} | {lon, lat}
    this.inputs = {
      category: h('select', { id: 'nc-category' }, allCategories().map((c) => h('option', { value: c.code }, `${c.code} ${c.major_name} › ${c.name}`))),
      description: h('textarea', { id: 'nc-description', rows: 3, maxlength: 2000 }),
      source: h('select', { id: 'nc-source' }, SOURCES.map((s) => h('option', { value: s }, labelOf('source', s)))),
      source_ref: h('input', { id: 'nc-source-ref', maxlength: 64 }),
      caller_name: h('input', { id: 'nc-caller-name', maxlength: 50 }),
      caller_phone: h('input', { id: 'nc-caller-phone', maxlength: 32, inputmode: 'tel' }),
      office: h('select', { id: 'nc-office' }, h('option', { value: '' }, t('supervisionNone'))),
      deadline: h('input', { id: 'nc-deadline', type: 'datetime-local' }),
      supervision_note: h('input', { id: 'nc-supervision-note', maxlength: 2000 }),
    };
    this.search = h('input', { id: 'nc-place-search', placeholder: t('searchPlace'), maxlength: 50,
      onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); this.findPlaces(); } } });
    this.results = h('ul', { class: 'rows places', id: 'nc-places' });
    this.where = h('div', { class: 'muted', id: 'nc-where' }, t('positionMissing'));
    this.message = h('div', { class: 'form-message error', role: 'alert' });
    const i = this.inputs;
    mount(this.el,
      h('button', { type: 'button', class: 'link', onclick: () => this.close() }, `‹ ${t('back')}`),
      h('h3', {}, t('newCaseTitle')),
      h('form', { onsubmit: (e) => { e.preventDefault(); this.submit(); } },
        field(t('caseSource'), i.source),
        field(t('sourceRef'), i.source_ref),
        field(t('category'), i.category),
        field(t('description'), i.description),
        field(t('callerName'), i.caller_name),
        field(t('callerPhone'), i.caller_phone),
        h('label', { for: 'nc-place-search' }, t('positionOfCase')),
        h('div', { class: 'search-row' }, this.search,
          h('button', { type: 'button', id: 'nc-search', onclick: () => this.findPlaces() }, t('searchPlaceButton')),
          h('button', { type: 'button', id: 'nc-pick', onclick: () => this.pickOnMap() }, t('pickOnMap'))),
        this.results,
        this.where,
        h('fieldset', { class: 'dialog-checks' }, h('legend', {}, t('supervisingOffice')),
          i.office,
          field(t('supervisionDeadlineLabel'), i.deadline),
          field(t('supervisionNote'), i.supervision_note)),
        this.message,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'nc-submit' }, t('createCase')))));
    try {
      const offices = await api.getAll('/api/v1/console/supervising-offices');
      i.office.append(...offices.map((o) => h('option', { value: o.id }, o.name)));
    } catch {
      // Without the list the case is made without supervision.
    }
  }

  close() {
    this.mapPanel.stopPicking();
    this.mapPanel.showPicked(null);
    this.onBack();
  }

  async findPlaces() {
    const q = this.search.value.trim();
    if (!q) return;
    try {
      const places = await api.get(`/api/v1/console/places${query({ q, limit: 20 })}`);
      mount(this.results, places.length === 0
        ? h('li', { class: 'muted' }, t('placesEmpty'))
        : places.map((p) => h('li', { class: 'row place', dataset: { kind: p.kind, code: p.code }, onclick: () => this.choosePlace(p) },
          h('div', { class: 'row-main' },
            h('div', { class: 'row-title' }, p.name),
            h('div', { class: 'muted' }, labelOf('place', p.kind), p.detail ? ` · ${p.detail}` : '')))));
    } catch (error) {
      this.message.textContent = t('actionFailed', { message: error.message });
    }
  }

  choosePlace(p) {
    this.position = { place: { kind: p.kind, code: p.code } };
    this.where.textContent = t('positionPicked', { where: `${labelOf('place', p.kind)} ${p.name}` });
    this.mapPanel.showPicked([p.lon, p.lat]);
    mount(this.results);
  }

  pickOnMap() {
    this.where.textContent = t('pickOnMapHint');
    this.mapPanel.pick(([lon, lat]) => {
      this.position = { lon: Number(lon.toFixed(6)), lat: Number(lat.toFixed(6)) };
      this.where.textContent = t('positionPicked', { where: `${lon.toFixed(5)}, ${lat.toFixed(5)}` });
    });
  }

  body() {
    const i = this.inputs;
    const value = (input) => input.value.trim() || undefined;
    const body = {
      category: i.category.value,
      description: i.description.value.trim(),
      source: i.source.value,
      source_ref: value(i.source_ref),
      caller_name: value(i.caller_name),
      caller_phone: value(i.caller_phone),
      ...this.position,
    };
    if (i.office.value) {
      const deadline = i.deadline.value ? new Date(i.deadline.value) : null;
      body.supervision = {
        office_id: i.office.value,
        deadline: deadline && !Number.isNaN(deadline.getTime()) ? deadline.toISOString() : '',
        note: i.supervision_note.value.trim(),
      };
    }
    return body;
  }

  async submit() {
    this.message.textContent = '';
    if (!this.position) {
      this.message.textContent = t('positionMissing');
      return;
    }
    try {
      const created = await request('/api/v1/console/cases', { method: 'POST', json: this.body(), headers: { 'Idempotency-Key': this.key } });
      this.notify(t('caseCreated', { number: created.number }));
      this.mapPanel.stopPicking();
      this.mapPanel.showPicked(null);
      this.onCreated(created.id);
    } catch (error) {
      this.message.textContent = t('actionFailed', { message: error.message });
    }
  }
}
