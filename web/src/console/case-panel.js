// One case: its state, dispatches with their limits and clocks, the event log, and the actions its state
// allows (吹哨 dispatch with the router's suggested units and, if wanted, time limits set by hand; joint
// dispatch, hold, resume, close, void, merge), and on each running dispatch 撤回/改派 with a reason.

import { api, request } from '../shared/api.js';
import { ask } from '../shared/dialog.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, formatLimit, labelOf, statusLabel, t } from '../shared/i18n.js';
import { escalationTargets, relation } from './command.js';
import { categoryName, categoryOf, knownUnits, rememberUnit, unitName } from './lookups.js';
import { caseIdByNumber } from './report-panel.js';
import { superviseDialog, supervisionBadge } from './supervision-panel.js';

// A case in these states takes no supervision (督办) any more.
const UNSUPERVISABLE = new Set(['closed', 'voided', 'merged']);

const RUNNING = new Set(['dispatched', 'checked_in', 'extension_requested']);
// A case in these states keeps its dispatches as they are (a send-back can no longer be rejected).
const SETTLED = new Set(['closed', 'voided', 'merged', 'on_hold']);

// The command center's decisions on one dispatch: the extension a unit asked for, a unit's "not ours".
const DISPATCH_DECISIONS = {
  grant_extension: { path: 'extension/grant', field: 'note', required: false },
  deny_extension: { path: 'extension/deny', field: 'note', required: false },
  reject_send_back: { path: 'send-back/reject', field: 'reason', required: true },
};

const LIMIT_UNITS = ['urgent_hours', 'work_hours', 'work_days', 'natural_days'];

// "报到时限 2工作时（自定） 截止 11-16 15:00 ✓ …": the limit the clock runs on, then its deadline.
function clock(label, limit, deadline, doneAt, running) {
  const overdue = running && !doneAt && Date.parse(deadline) < Date.now();
  return h('div', { class: `clock${overdue ? ' overdue' : ''}`, dataset: { custom: limit?.custom ? 'true' : 'false' } },
    h('span', {}, label), ' ', h('span', { class: 'limit' }, formatLimit(limit)), ' ',
    h('span', { class: 'muted' }, t('deadline', { time: formatDateTime(deadline) })),
    doneAt ? h('span', { class: 'ok' }, ` ✓ ${formatDateTime(doneAt)}`) : overdue ? h('span', { class: 'bad' }, ` ${labelOf('colour', 'red')}`) : null);
}

// A limit set by hand in a dialog: {amount, unit}, or null when the amount was left empty.
function limitOf(values, field) {
  const amount = values[`${field}_amount`];
  return amount ? { amount, unit: values[`${field}_unit`] } : null;
}

function limitFields(field, label, fallback) {
  return [
    { name: `${field}_amount`, label: t(label, { limit: formatLimit(fallback) || '—' }), inputmode: 'decimal', placeholder: t('limitPlaceholder') },
    { name: `${field}_unit`, label: t('limitUnitField'), type: 'select', value: fallback?.unit || 'work_hours',
      options: LIMIT_UNITS.map((u) => ({ value: u, label: labelOf('limitUnit', u) })) },
  ];
}

async function dispatchDialog(c) {
  const suggestion = await api.get(`/api/v1/console/cases/${c.id}/suggestion`);
  suggestion.units.forEach(rememberUnit);
  // Any other unit may join (联合执法): the router suggests, the desk decides.
  const suggested = new Set(suggestion.units.map((u) => u.id));
  const others = knownUnits().filter((u) => !suggested.has(u.id));
  if (suggestion.units.length === 0 && others.length === 0) throw new Error(t('noSuggestion'));
  const category = categoryOf(c.category_code);
  const values = await ask({
    title: t('actDispatch'),
    intro: h('details', { class: 'trace' }, h('summary', {}, t('suggestionTrace')), h('ul', {}, suggestion.trace.map((line) => h('li', {}, line)))),
    fields: [
      { name: 'unit_ids', label: t('suggestedUnits'), type: 'checkboxes',
        options: suggestion.units.map((u) => ({ value: u.id, label: `${u.name}（${u.kind_name} · ${labelOf('role', u.role)}）`, checked: true })) },
      { name: 'extra_unit', label: t('extraUnit'), type: 'select', value: '',
        options: [{ value: '', label: t('extraUnitNone') }, ...others.map((u) => ({ value: u.id, label: u.name }))] },
      ...limitFields('check_in', 'limitFieldCheckIn', category?.report_in_limit),
      ...limitFields('handling', 'limitFieldHandling', category?.handling_limit),
      { name: 'note', label: t('note'), type: 'textarea' },
    ],
    submitLabel: t('actDispatch'),
  });
  if (!values) return null;
  const unitIds = [...values.unit_ids, ...(values.extra_unit ? [values.extra_unit] : [])];
  if (unitIds.length === 0) return null;
  const body = { unit_ids: unitIds, note: values.note };
  const checkIn = limitOf(values, 'check_in');
  const handling = limitOf(values, 'handling');
  if (checkIn) body.check_in_limit = checkIn;
  if (handling) body.handling_limit = handling;
  return api.post(`/api/v1/console/cases/${c.id}/dispatch`, body);
}

// 撤回: the dispatch is taken back from its unit, with the reason.
async function withdrawDialog(d) {
  const values = await ask({ title: `${t('act_withdraw')} · ${unitName(d.unit_id)}`,
    fields: [{ name: 'reason', label: t('withdrawReason'), type: 'textarea', required: true }], submitLabel: t('act_withdraw') });
  return values && api.post(`/api/v1/console/dispatches/${d.id}/withdraw`, { reason: values.reason });
}

// 改派: withdrawn and whistled to another unit in one action, with the same reason.
async function reassignDialog(d) {
  const choices = knownUnits().filter((u) => u.id !== d.unit_id);
  const values = await ask({
    title: `${t('act_reassign')} · ${unitName(d.unit_id)}`,
    fields: [
      { name: 'unit_id', label: t('reassignTo'), type: 'select', value: choices[0]?.id,
        options: choices.map((u) => ({ value: u.id, label: u.name })) },
      { name: 'reason', label: t('reassignReason'), type: 'textarea', required: true },
    ],
    submitLabel: t('act_reassign'),
  });
  if (!values) return null;
  const moved = await api.post(`/api/v1/console/dispatches/${d.id}/reassign`, { unit_id: values.unit_id, reason: values.reason });
  return moved.dispatch;
}

// 指派核查: nobody was found to verify the result automatically; the desk names a grid worker.
async function verifierDialog(caseId, dispatchId) {
  const candidates = await api.get(`/api/v1/console/cases/${caseId}/verifiers`);
  if (candidates.length === 0) throw new Error(t('noVerifier'));
  const values = await ask({
    title: t('assignVerifier'),
    fields: [{ name: 'assignee_id', label: t('verifier'), type: 'select', value: candidates[0].user_id,
      options: candidates.map((v) => ({ value: v.user_id, label: `${v.display_name}（${labelOf('verifierWhy', v.why)}）` })) }],
  });
  return values && api.post(`/api/v1/console/dispatches/${dispatchId}/verification`, { assignee_id: values.assignee_id });
}

export class CasePanel {
  constructor({ onBack, notify }) {
    this.onBack = onBack;
    this.notify = notify;
    this.caseId = null;
    this.el = h('div', { class: 'panel detail', id: 'case-detail' });
  }

  async open(caseId) {
    this.caseId = caseId;
    mount(this.el, h('span', { class: 'muted' }, t('loading')));
    await this.refresh();
  }

  async refresh() {
    if (!this.caseId) return;
    try {
      const detail = await api.get(`/api/v1/console/cases/${this.caseId}`);
      // The primary report: its photos and integrity flags belong on the case too.
      const report = await request(`/api/v1/reports/${detail.case.primary_report_id}`).catch(() => null);
      this.render(detail, report);
    } catch (error) {
      mount(this.el, h('button', { type: 'button', class: 'link', onclick: this.onBack }, `‹ ${t('back')}`), h('p', { class: 'bad' }, error.message));
    }
  }

  async act(run) {
    try {
      const result = await run();
      if (result === null) return;
      this.notify(Array.isArray(result) ? t('dispatchDone', { count: result.length }) : t('actionDone'));
      await this.refresh();
    } catch (error) {
      this.notify(t('actionFailed', { message: error.message }), 'error');
    }
  }

  dispatchButtons(c, d) {
    if (relation(c) !== 'commands') return [];
    const assign = d.allowed_actions.includes('start_verification')
      ? h('button', { type: 'button', class: 'small dispatch-act-start_verification', onclick: () => this.act(() => verifierDialog(c.id, d.id)) }, t('assignVerifier'))
      : null;
    const takeBack = d.allowed_actions.includes('withdraw')
      ? [
        h('button', { type: 'button', class: 'small dispatch-act-withdraw', onclick: () => this.act(() => withdrawDialog(d)) }, t('act_withdraw')),
        h('button', { type: 'button', class: 'small dispatch-act-reassign', onclick: () => this.act(() => reassignDialog(d)) }, t('act_reassign')),
      ]
      : [];
    return [assign, ...takeBack, ...d.allowed_actions
      .filter((action) => action in DISPATCH_DECISIONS && !(action === 'reject_send_back' && SETTLED.has(c.state)))
      .map((action) => {
        const { path, field, required } = DISPATCH_DECISIONS[action];
        const label = t(`act_${action}`);
        const run = async () => {
          const values = await ask({ title: label, fields: [{ name: field, label: t(required ? 'rejectReason' : 'note'), type: 'textarea', required }] });
          return values && api.post(`/api/v1/console/dispatches/${d.id}/${path}`, { [field]: values[field] });
        };
        return h('button', { type: 'button', class: `small dispatch-act-${action}`, onclick: () => this.act(run) }, label);
      })];
  }

  actionButton(action) {
    const id = this.caseId;
    const withNote = (path, title) => async () => {
      const values = await ask({ title, fields: [{ name: 'note', label: t('note'), type: 'textarea' }] });
      return values && api.post(`/api/v1/console/cases/${id}/${path}`, { note: values.note });
    };
    const handlers = {
      dispatch: [t('actDispatch'), () => dispatchDialog(this.current), 'primary'],
      hold: [t('actHold'), withNote('hold', t('actHold'))],
      resume: [t('actResume'), withNote('resume', t('actResume'))],
      close: [t('actClose'), withNote('close', t('actClose'))],
      void: [t('actVoid'), async () => {
        const values = await ask({ title: t('actVoid'), fields: [{ name: 'reason', label: t('voidReason'), type: 'textarea', required: true }] });
        return values && api.post(`/api/v1/console/cases/${id}/void`, { reason: values.reason });
      }],
      merge: [t('actMerge'), async () => {
        const values = await ask({ title: t('actMerge'), fields: [{ name: 'number', label: t('mergeInto'), required: true }, { name: 'note', label: t('note') }] });
        if (!values) return null;
        const into = await caseIdByNumber(values.number);
        if (!into) throw new Error(t('mergeUnknownCase', { number: values.number }));
        return api.post(`/api/v1/console/cases/${id}/merge`, { into_case_id: into, note: values.note });
      }],
    };
    const handler = handlers[action];
    if (!handler) return null;
    const [label, run, cls] = handler;
    return h('button', { type: 'button', class: cls || '', id: `case-act-${action}`, onclick: () => this.act(run) }, label);
  }

  // Who commands the case decides what this desk may do: act (and escalate), take it over, or only read.
  commandButtons(c) {
    const id = this.caseId;
    const stance = relation(c);
    if (stance === 'commands') {
      const targets = escalationTargets(c);
      const escalate = targets.length && !['closed', 'voided', 'merged'].includes(c.state)
        ? h('button', { type: 'button', id: 'case-act-escalate', onclick: () => this.act(async () => {
          const values = await ask({ title: t('act_escalate'), fields: [
            { name: 'to_level', label: t('escalateTo'), type: 'select', value: targets[0], options: targets.map((l) => ({ value: l, label: labelOf('level', l) })) },
            { name: 'reason', label: t('escalateReason'), type: 'textarea', required: true }] });
          return values && api.post(`/api/v1/console/cases/${id}/escalate`, values);
        }) }, t('act_escalate'))
        : null;
      const supervise = UNSUPERVISABLE.has(c.state) ? null
        : h('button', { type: 'button', id: 'case-act-supervise', onclick: () => this.act(() => superviseDialog(c.id, c.supervision)) }, t(c.supervision ? 'actSuperviseChange' : 'actSupervise'));
      return [...c.allowed_actions.map((a) => this.actionButton(a)), escalate, supervise];
    }
    const note = h('span', { class: 'muted', id: 'case-commanded-by' },
      stance === 'read' ? t('readOnlyAdmin') : t('commandedBy', { level: labelOf('level', c.command_level) }));
    if (stance !== 'above' || ['closed', 'voided', 'merged'].includes(c.state)) return [note];
    return [note, h('button', { type: 'button', id: 'case-act-take_over', onclick: () => this.act(async () => {
      const values = await ask({ title: t('act_take_over'), fields: [{ name: 'note', label: t('takeOverNote'), type: 'textarea' }] });
      return values && api.post(`/api/v1/console/cases/${id}/take-over`, { note: values.note });
    }) }, t('act_take_over'))];
  }

  render({ case: c, report_ids: reportIds, dispatches, events, dispatch_photos: dispatchPhotos = [], verifications = [], caller = null }, report = null) {
    this.current = c;
    const unitOfDispatch = new Map(dispatches.map((d) => [d.id, d.unit_id]));
    // 处置照片 and 核查照片 under each dispatch, so the desk can compare before/after without leaving.
    const photoStrip = (dispatchId, kind) => {
      const photos = dispatchPhotos.filter((p) => p.dispatch_id === dispatchId && p.kind === kind);
      if (photos.length === 0) return null;
      return h('div', { class: `photos dispatch-photos photos-${kind}` },
        h('span', { class: 'muted' }, t({ check_in: 'checkInPhotos', result: 'resultPhotos' }[kind] || 'verificationPhotos')),
        photos.map((p) => h('a', { href: p.display_url, target: '_blank' }, h('img', { src: p.thumb_url, alt: '' }))));
    };
    // 报到 on site: how far from the case the officer stood, or why the phone gave no position.
    const checkInPlace = (d) => {
      if (d.check_in_distance_m !== null && d.check_in_distance_m !== undefined) {
        return h('div', { class: d.check_in_far ? 'bad check-in-place' : 'muted check-in-place', dataset: { far: String(d.check_in_far) } },
          t('checkInDistance', { m: Math.round(d.check_in_distance_m) }), d.check_in_far ? t('checkInFarMark') : '');
      }
      if (d.check_in_position_error) {
        return h('div', { class: 'bad check-in-place' }, t('checkInNoPosition', { reason: t(`positionError_${d.check_in_position_error}`) }));
      }
      return null;
    };
    // What looks wrong with a verification's photos (taken elsewhere, before the work, reused).
    const verificationFlags = (dispatchId) => {
      const flags = verifications.filter((v) => v.dispatch_id === dispatchId).flatMap((v) => v.flags);
      return flags.length
        ? h('div', { class: 'flags verification-flags' }, flags.map((f) => h('span', { class: 'flag', title: f.message }, labelOf('flag', f.code))))
        : null;
    };
    this.el.dataset.id = c.id;
    mount(this.el,
      h('button', { type: 'button', class: 'link', onclick: this.onBack }, `‹ ${t('back')}`),
      h('h3', {}, t('caseTitle', { number: c.number }), ' ', h('span', { class: `status-badge status-${c.state}`, id: 'case-state' }, statusLabel(c.state))),
      h('dl', { class: 'facts' },
        h('dt', {}, t('category')), h('dd', {}, categoryName(c.category_code)),
        h('dt', {}, t('place')), h('dd', {}, c.grid_code ? `网格 ${c.grid_code}` : labelOf('flag', 'unrouted')),
        h('dt', {}, t('reportedAt')), h('dd', {}, formatDateTime(c.created_at), ` · ${reportIds.length} 条上报`),
        h('dt', {}, t('source')), h('dd', { id: 'case-source' }, labelOf('source', c.source), c.source_ref ? ` · ${c.source_ref}` : ''),
        caller ? [h('dt', {}, t('caller')), h('dd', { id: 'case-caller' }, [caller.name, caller.phone].filter(Boolean).join(' · '))] : null,
        c.supervision ? [h('dt', {}, t('supervisingOffice')), h('dd', { id: 'case-supervision' }, supervisionBadge(c.supervision, { long: true }),
          c.supervision.note ? ` · ${c.supervision.note}` : '')] : null,
        h('dt', {}, t('commandBy')), h('dd', { id: 'case-command-level' }, labelOf('level', c.command_level))),
      c.void_reason ? h('p', { class: 'bad' }, c.void_reason) : null,
      report?.flags?.length ? h('div', { class: 'flags' }, report.flags.map((f) => h('span', { class: 'flag', title: f.message }, labelOf('flag', f.code)))) : null,
      report?.text ? h('p', { class: 'report-text' }, report.text) : null,
      report?.photos?.length
        ? h('div', { class: 'photos', id: 'case-photos' }, report.photos.map((p) => h('a', { href: p.display_url, target: '_blank' }, h('img', { src: p.thumb_url, alt: '' }))))
        : null,
      h('div', { class: 'actions' }, this.commandButtons(c)),
      dispatches.length ? h('h4', {}, t('dispatches')) : null,
      h('ul', { class: 'rows' }, dispatches.map((d) =>
        h('li', { class: 'row dispatch', dataset: { id: d.id, state: d.state } },
          h('div', { class: 'row-main' },
            h('div', { class: 'row-title' }, unitName(d.unit_id), ' ', h('span', { class: 'muted' }, labelOf('role', d.role))),
            clock(t('checkInClock'), d.check_in_limit, d.check_in_deadline, d.checked_in_at, RUNNING.has(d.state)),
            checkInPlace(d),
            clock(t('handlingClock'), d.handling_limit, d.handling_deadline, d.result_at, RUNNING.has(d.state)),
            d.reassigned_from_id && unitOfDispatch.has(d.reassigned_from_id) ? h('div', { class: 'muted' }, t('reassignedFrom', { unit: unitName(unitOfDispatch.get(d.reassigned_from_id)) })) : null,
            d.withdraw_reason ? h('div', { class: 'muted withdrawn' }, t('withdrawnBecause', { reason: d.withdraw_reason })) : null,
            d.extension_request ? h('div', { class: 'muted' }, t('extensionAsked', { amount: d.extension_request.amount, unit: labelOf('limitUnit', d.extension_request.unit), reason: d.extension_request.reason })) : null,
            d.send_back_reason ? h('div', { class: 'muted' }, `${t('sendBackReason')}：${d.send_back_reason}`, d.send_back_rejected_at ? `（${t('act_reject_send_back')}）` : '') : null,
            d.result_note ? h('div', {}, d.result_note) : null,
            photoStrip(d.id, 'check_in'),
            photoStrip(d.id, 'result'),
            photoStrip(d.id, 'verification'),
            verificationFlags(d.id),
            h('div', { class: 'dispatch-actions' }, this.dispatchButtons(c, d))),
          h('span', { class: `status-badge status-${d.state}` }, statusLabel(d.state))))),
      h('h4', {}, t('events')),
      h('ol', { class: 'events' }, events.map((e) =>
        h('li', {}, h('span', { class: 'muted' }, formatDateTime(e.at)), ' ', labelOf('act', e.action),
          e.dispatch_id && unitOfDispatch.has(e.dispatch_id) ? `（${unitName(unitOfDispatch.get(e.dispatch_id))}）` : '',
          e.detail?.to_level ? ` → ${labelOf('level', e.detail.to_level)}` : e.to_state ? ` → ${statusLabel(e.to_state)}` : '',
          e.note ? ` · ${e.note}` : ''))));
  }
}
