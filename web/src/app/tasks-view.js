// 核查任务: a grid worker re-checks a handled case on site, once for the whole case. The task lists every
// unit's result (a joint case has several) with its photos; the worker takes photos there (核查照片) and
// records each unit's outcome: passed (that unit's dispatch closes) or not (返工, back to that unit with
// the reason), then sends the whole visit at once. These need the network: the answer is shown at once.

import { api, request } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, formatLimit, labelOf, statusLabel, t } from '../shared/i18n.js';
import { PhotoPicker } from './photos.js';

export class TasksView {
  constructor({ categoryName }) {
    this.categoryName = categoryName;
    this.list = h('ul', { class: 'report-list', id: 'task-list' });
    this.status = h('div', { class: 'muted center' });
    this.el = h('div', { class: 'tasks' },
      h('div', { class: 'section-head' }, h('span', {}, t('tabTasks')), h('button', { type: 'button', class: 'link', onclick: () => this.load() }, t('refresh'))),
      this.status, this.list);
  }

  stop() {}

  async load() {
    this.status.textContent = t('loading');
    try {
      const tasks = await api.getAll('/api/v1/verification/tasks');
      this.status.textContent = tasks.length === 0 ? t('tasksEmpty') : '';
      this.render(tasks);
    } catch (error) {
      this.status.textContent = t('mineFailed', { message: error.message });
    }
  }

  async decide(task, { units, noteInput, picker, message, button }) {
    const outcomes = [];
    for (const unit of units) {
      const passed = unit.pass.checked;
      const reason = unit.reason.value.trim();
      if (!passed && !reason) {
        message.textContent = t('taskNeedUnitReason', { unit: unit.name });
        unit.reason.focus();
        return;
      }
      outcomes.push(passed ? { dispatch_id: unit.id, passed } : { dispatch_id: unit.id, passed, reason });
    }
    const form = new FormData();
    form.set('note', noteInput.value.trim());
    form.set('outcomes', JSON.stringify(outcomes));
    button.disabled = true;
    message.textContent = t('preparingPhotos');
    try {
      for (const photo of await picker.snapshots()) form.append('photos', photo.blob, photo.name);
      message.textContent = t('taskSending');
      await request(`/api/v1/verification/tasks/${task.id}/decision`, { method: 'POST', form, timeoutMs: 120000 });
      picker.clear();
      await this.load();
    } catch (error) {
      message.textContent = error.code === 'photo_count' ? t('taskNeedPhoto') : t('actionFailed', { message: error.message });
    } finally {
      button.disabled = false;
    }
  }

  render(tasks) {
    mount(this.list, tasks.map((task) => this.item(task)));
  }

  // One unit's result: what it says it did, its photos, and (while pending) the worker's outcome for it.
  unit(task, item, controls) {
    const d = item.dispatch;
    const photos = item.result_photos?.length
      ? h('div', { class: 'task-photos' }, h('div', { class: 'muted' }, t('taskResultPhotos')),
        h('div', { class: 'photo-strip' }, item.result_photos.map((p) =>
          h('a', { href: p.display_url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumb_url, alt: t('taskResultPhotos') })))))
      : null;
    let decision;
    if (item.outcome === 'pending' && controls) {
      const name = `outcome-${task.id}-${d.id}`;
      const pass = h('input', { type: 'radio', name, value: 'pass', checked: true, class: 'task-unit-pass' });
      const fail = h('input', { type: 'radio', name, value: 'fail', class: 'task-unit-fail' });
      const reason = h('input', { class: 'task-unit-reason', placeholder: t('taskUnitReasonPlaceholder') });
      controls.units.push({ id: d.id, name: item.unit_name, pass, reason });
      decision = h('div', { class: 'task-outcome' },
        h('label', { class: 'check' }, pass, ' ', t('taskPassUnit')),
        h('label', { class: 'check' }, fail, ' ', t('taskFailUnit')),
        reason);
    } else {
      decision = h('div', { class: `task-outcome outcome-${item.outcome}` }, labelOf('outcome', item.outcome), item.reason ? `：${item.reason}` : '');
    }
    return h('li', { class: 'task-unit', dataset: { dispatch: d.id, outcome: item.outcome } },
      h('div', { class: 'task-unit-name' }, item.unit_name, ' ', h('span', { class: 'muted' }, statusLabel(d.state))),
      h('div', { class: 'muted task-unit-limits' },
        `${t('checkInClock')} ${formatLimit(d.check_in_limit)} · ${t('handlingClock')} ${formatLimit(d.handling_limit)}`),
      d.result_note ? h('div', {}, `${t('taskResult')}：${d.result_note}`) : null,
      photos,
      decision);
  }

  item(task) {
    const open = task.state === 'open' && !task.done_at;
    const controls = open ? { units: [] } : null;
    const units = h('ul', { class: 'task-units' }, task.items.map((item) => this.unit(task, item, controls)));
    let actions;
    if (open) {
      const noteInput = h('input', { placeholder: t('taskNotePlaceholder'), class: 'task-note' });
      const message = h('div', { class: 'field-error', role: 'alert' });
      const picker = new PhotoPicker(() => { message.textContent = ''; }, { inputId: `task-photo-${task.id}`, label: t('taskPhotos') });
      const button = h('button', { type: 'button', class: 'primary task-submit' }, t('taskSubmit'));
      Object.assign(controls, { noteInput, picker, message, button });
      button.addEventListener('click', () => this.decide(task, controls));
      actions = h('div', { class: 'task-actions' }, picker.el, noteInput, button, message);
    } else {
      actions = h('div', { class: 'muted' }, task.note || '');
    }
    return h('li', { class: 'task-item', dataset: { id: task.id, dispatch: task.dispatch.id, units: String(task.items.length) } },
      h('div', { class: 'report-main' },
        h('div', {}, t('caseTitle', { number: task.case.number }), ' · ', this.categoryName(task.case.category_code)),
        h('div', { class: 'muted' }, formatDateTime(task.created_at), ' · ', statusLabel(task.case.state)),
        h('div', { class: 'muted' }, t('taskUnits')),
        units,
        actions));
  }
}
