// 督办单位's console: read-only. The cases its office supervises (on the map and in a list, filterable by
// state and overdue) and one case's progress: what was reported, the units whistled with both clocks'
// colours, results and verification photos, the case's log. No triage, no whistle, no actions.

import { api, query } from '../shared/api.js';
import { ask } from '../shared/dialog.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, labelOf, statusLabel, t } from '../shared/i18n.js';
import { categoryName, loadCategories } from './lookups.js';
import { MapPanel } from './map-panel.js';

const STATES = ['filed', 'on_hold', 'dispatched', 'checked_in', 'handled', 'verifying', 'closed', 'voided', 'merged'];

/** The supervision badge of a case (督办 · office · deadline, red when overdue); null when not supervised. */
export function supervisionBadge(supervision, { long = false } = {}) {
  if (!supervision) return null;
  const text = long
    ? `${t('supervisionBy', { office: supervision.office_name })} · ${t('supervisionDeadline', { time: formatDateTime(supervision.deadline) })}`
    : t('supervised');
  return h('span', { class: `supervision-badge${supervision.overdue ? ' overdue' : ''}`, title: supervision.office_name },
    text, supervision.overdue ? ` · ${t('supervisionOverdue')}` : '');
}

/** 设为督办 (the command center): pick the office, the deadline and the note; resolves to the case or null. */
export async function superviseDialog(caseId, current = null) {
  const offices = await api.getAll('/api/v1/console/supervising-offices');
  const values = await ask({
    title: t(current ? 'actSuperviseChange' : 'actSupervise'),
    fields: [
      { name: 'office_id', label: t('supervisingOffice'), type: 'select', value: current?.office_id ?? offices[0]?.id,
        options: offices.map((o) => ({ value: o.id, label: o.name })) },
      { name: 'deadline', label: t('supervisionDeadlineLabel'), inputType: 'datetime-local', required: true },
      { name: 'note', label: t('supervisionNote'), type: 'textarea' },
    ],
  });
  if (!values) return null;
  const deadline = new Date(values.deadline);
  return api.post(`/api/v1/console/cases/${caseId}/supervision`, {
    office_id: values.office_id,
    deadline: Number.isNaN(deadline.getTime()) ? values.deadline : deadline.toISOString(),
    note: values.note,
  });
}

function photoStrip(photos, id) {
  if (!photos.length) return null;
  return h('div', { class: 'photos', id }, photos.map((p) => h('a', { href: p.display_url, target: '_blank' }, h('img', { src: p.thumb_url, alt: '' }))));
}

function clockLine(label, colour, deadline, doneAt) {
  return h('div', { class: 'clock' },
    h('span', { class: `dot dot-${colour}`, title: labelOf('colour', colour) }), ' ',
    t('clockColour', { clock: label, colour: labelOf('colour', colour) }), ' ',
    h('span', { class: 'muted' }, t('deadline', { time: formatDateTime(deadline) })),
    doneAt ? h('span', { class: 'ok' }, ` ✓ ${formatDateTime(doneAt)}`) : null);
}

class SupervisedCaseView {
  constructor({ onBack }) {
    this.onBack = onBack;
    this.el = h('div', { class: 'panel detail', id: 'supervised-case' });
  }

  async open(caseId) {
    mount(this.el, h('span', { class: 'muted' }, t('loading')));
    try {
      this.render(await api.get(`/api/v1/supervision/cases/${caseId}`));
    } catch (error) {
      mount(this.el, h('button', { type: 'button', class: 'link', onclick: this.onBack }, `‹ ${t('back')}`), h('p', { class: 'bad' }, error.message));
    }
  }

  render({ case: c, description, report_photos: reportPhotos, dispatches, events, dispatch_photos: dispatchPhotos }) {
    const units = new Map(dispatches.map((d) => [d.id, d.unit_name]));
    const photosOf = (dispatchId, kind) => dispatchPhotos.filter((p) => p.dispatch_id === dispatchId && p.kind === kind);
    mount(this.el,
      h('button', { type: 'button', class: 'link', onclick: this.onBack }, `‹ ${t('back')}`),
      h('h3', {}, t('caseTitle', { number: c.number }), ' ', h('span', { class: `status-badge status-${c.state}`, id: 'case-state' }, statusLabel(c.state))),
      h('p', { class: 'muted' }, t('readOnly')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('supervisingOffice')), h('dd', { id: 'case-supervision' }, supervisionBadge(c.supervision, { long: true })),
        c.supervision?.note ? [h('dt', {}, t('supervisionNote')), h('dd', {}, c.supervision.note)] : null,
        h('dt', {}, t('category')), h('dd', {}, categoryName(c.category_code)),
        h('dt', {}, t('source')), h('dd', {}, labelOf('source', c.source), c.source_ref ? ` · ${c.source_ref}` : ''),
        h('dt', {}, t('place')), h('dd', {}, c.grid_code ? `网格 ${c.grid_code}` : labelOf('flag', 'unrouted')),
        h('dt', {}, t('reportedAt')), h('dd', {}, formatDateTime(c.created_at))),
      description ? [h('h4', {}, t('reportedText')), h('p', { class: 'report-text' }, description)] : null,
      photoStrip(reportPhotos, 'case-photos'),
      h('h4', {}, t('unitsWhistled')),
      dispatches.length === 0 ? h('p', { class: 'muted' }, t('noDispatchesYet')) : null,
      h('ul', { class: 'rows', id: 'supervised-dispatches' }, dispatches.map((d) =>
        h('li', { class: 'row dispatch', dataset: { id: d.id, state: d.state } },
          h('div', { class: 'row-main' },
            h('div', { class: 'row-title' }, d.unit_name, ' ', h('span', { class: 'muted' }, labelOf('role', d.role))),
            clockLine(t('checkInClock'), d.check_in_colour, d.check_in_deadline, d.checked_in_at),
            clockLine(t('handlingClock'), d.handling_colour, d.handling_deadline, d.result_at),
            d.result_note ? h('div', {}, d.result_note) : null,
            photoStrip(photosOf(d.id, 'result'), null),
            photoStrip(photosOf(d.id, 'verification'), null)),
          h('span', { class: `status-badge status-${d.state}` }, statusLabel(d.state))))),
      h('h4', {}, t('events')),
      h('ol', { class: 'events' }, events.map((e) =>
        h('li', {}, h('span', { class: 'muted' }, formatDateTime(e.at)), ' ', labelOf('act', e.action),
          e.dispatch_id && units.has(e.dispatch_id) ? `（${units.get(e.dispatch_id)}）` : '',
          e.to_state ? ` → ${statusLabel(e.to_state)}` : '', e.note ? ` · ${e.note}` : ''))));
  }
}

class SupervisedList {
  constructor({ onOpen, onItems }) {
    this.onOpen = onOpen;
    this.onItems = onItems;
    this.state = h('select', { class: 'filter', id: 'supervision-state', onchange: () => this.load() },
      h('option', { value: '' }, t('allStates')), STATES.map((s) => h('option', { value: s }, statusLabel(s))));
    this.overdue = h('input', { type: 'checkbox', id: 'supervision-overdue', onchange: () => this.load() });
    this.list = h('ul', { class: 'rows', id: 'supervision-list' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'panel' },
      h('div', { class: 'filters' }, this.state, h('label', { class: 'check' }, this.overdue, ' ', t('overdueOnly'))),
      this.status, this.list);
  }

  async load() {
    try {
      const params = { state: this.state.value, overdue: this.overdue.checked ? 'true' : '', limit: 200 };
      const rows = await api.get(`/api/v1/supervision/cases${query(params)}`);
      this.status.textContent = rows.length === 0 ? t('supervisionEmpty') : '';
      mount(this.list, rows.map((c) =>
        h('li', { class: 'row', dataset: { id: c.id, state: c.state }, onclick: () => this.onOpen(c.id) },
          h('div', { class: 'row-main' },
            h('div', { class: 'row-title' }, t('caseTitle', { number: c.number }), ' · ', categoryName(c.category_code)),
            h('div', { class: 'muted' }, supervisionBadge(c.supervision, { long: true }))),
          h('span', { class: `status-badge status-${c.state}` }, statusLabel(c.state)))));
      this.onItems(rows);
    } catch (error) {
      this.status.textContent = t('actionFailed', { message: error.message });
    }
  }
}

/** Mount the supervising office's console in `root`; `topbar(tabs)` builds the shared header. */
export function showSupervision(root, { topbar }) {
  const side = h('section', { class: 'side' });
  const mapEl = h('div', { class: 'map', id: 'console-map' });
  const view = new SupervisedCaseView({ onBack: () => showList() });
  const mapPanel = new MapPanel(mapEl, { reports: false, onSelect: (item) => openCase(item.id) });
  const list = new SupervisedList({
    onOpen: (id) => openCase(id),
    onItems: (rows) => mapPanel.setItems(rows.map((c) => ({ ...c, colour: c.supervision?.overdue ? '#c62828' : '#4a148c' }))),
  });
  const tab = h('button', { type: 'button', class: 'tab active', id: 'tab-supervision', onclick: () => showList() }, t('tabSupervision'));

  function showList() {
    mount(side, list.el);
    mapPanel.select(null, { pan: false });
    list.load();
  }

  function openCase(id) {
    mapPanel.select(id);
    mount(side, view.el);
    view.open(id);
  }

  mount(root, topbar([tab]), h('div', { class: 'workspace' }, mapEl, side));
  mapPanel.start();
  loadCategories().then(() => showList());
}
