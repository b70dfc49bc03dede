// 核查任务: a grid worker re-checks a handled case on site. The task shows the unit's result and its
// photos; the worker takes photos there (核查照片) and passes (the dispatch closes) or fails it (返工,
// back to the unit with the reason). These need the network: the answer is shown at once.

import { api, request } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, statusLabel, t } from '../shared/i18n.js';
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

  async decide(task, passed, { reasonInput, picker, message, buttons }) {
    const reason = reasonInput.value.trim();
    if (!passed && !reason) {
      message.textContent = t('taskNeedReason');
      return;
    }
    const form = new FormData();
    form.set(passed ? 'note' : 'reason', reason);
    for (const file of picker.files) form.append('photos', file, file.name || 'photo.jpg');
    const path = `/api/v1/verification/dispatches/${task.dispatch.id}/${passed ? 'pass' : 'fail'}`;
    for (const button of buttons) button.disabled = true;
    message.textContent = t('taskSending');
    try {
      await request(path, { method: 'POST', form, timeoutMs: 120000 });
      picker.clear();
      await this.load();
    } catch (error) {
      message.textContent = error.code === 'photo_count' ? t('taskNeedPhoto') : t('actionFailed', { message: error.message });
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  render(tasks) {
    mount(this.list, tasks.map((task) => this.item(task)));
  }

  item(task) {
    const open = task.state === 'open' && !task.done_at;
    const resultPhotos = task.result_photos?.length
      ? h('div', { class: 'task-photos' }, h('div', { class: 'muted' }, t('taskResultPhotos')),
        h('div', { class: 'photo-strip' }, task.result_photos.map((p) =>
          h('a', { href: p.display_url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumb_url, alt: t('taskResultPhotos') })))))
      : null;
    let actions;
    if (open) {
      const reasonInput = h('input', { placeholder: t('taskReasonPlaceholder'), class: 'task-reason' });
      const message = h('div', { class: 'field-error', role: 'alert' });
      const picker = new PhotoPicker(() => { message.textContent = ''; }, { inputId: `task-photo-${task.id}`, label: t('taskPhotos') });
      const controls = { reasonInput, picker, message, buttons: [] };
      const pass = h('button', { type: 'button', class: 'primary task-pass', onclick: () => this.decide(task, true, controls) }, t('act_verify_pass'));
      const fail = h('button', { type: 'button', class: 'task-fail', onclick: () => this.decide(task, false, controls) }, t('taskFail'));
      controls.buttons.push(pass, fail);
      actions = h('div', { class: 'task-actions' }, picker.el, reasonInput, pass, fail, message);
    } else {
      actions = h('div', { class: 'muted' }, task.note || '');
    }
    return h('li', { class: 'task-item', dataset: { id: task.id, dispatch: task.dispatch.id } },
      h('div', { class: 'report-main' },
        h('div', {}, t('caseTitle', { number: task.case.number }), ' · ', this.categoryName(task.case.category_code)),
        h('div', { class: 'muted' }, formatDateTime(task.created_at), ' · ', statusLabel(task.dispatch.state)),
        task.dispatch.result_note ? h('div', {}, `${t('taskResult')}：${task.dispatch.result_note}`) : null,
        resultPhotos,
        actions));
  }
}
