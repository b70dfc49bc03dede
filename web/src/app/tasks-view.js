// 核查任务: a grid worker re-checks a handled case on site; pass closes the dispatch, fail sends it back
// to the unit as rework (返工) with the reason. These need the network: the answer is shown at once.

import { api } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatDateTime, statusLabel, t } from '../shared/i18n.js';

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
      const tasks = await api.get('/api/v1/verification/tasks');
      this.status.textContent = tasks.length === 0 ? t('tasksEmpty') : '';
      this.render(tasks);
    } catch (error) {
      this.status.textContent = t('mineFailed', { message: error.message });
    }
  }

  async decide(task, passed, reasonInput, message) {
    const reason = reasonInput.value.trim();
    if (!passed && !reason) {
      message.textContent = t('taskNeedReason');
      return;
    }
    const path = `/api/v1/verification/dispatches/${task.dispatch.id}/${passed ? 'pass' : 'fail'}`;
    try {
      await api.post(path, passed ? { note: reason } : { reason });
      await this.load();
    } catch (error) {
      message.textContent = t('actionFailed', { message: error.message });
    }
  }

  render(tasks) {
    mount(this.list, tasks.map((task) => {
      const reason = h('input', { placeholder: t('taskReasonPlaceholder') });
      const message = h('div', { class: 'field-error', role: 'alert' });
      return h('li', { class: 'task-item', dataset: { id: task.id, dispatch: task.dispatch.id } },
        h('div', { class: 'report-main' },
          h('div', {}, t('caseTitle', { number: task.case.number }), ' · ', this.categoryName(task.case.category_code)),
          h('div', { class: 'muted' }, formatDateTime(task.created_at), ' · ', statusLabel(task.dispatch.state)),
          task.dispatch.result_note ? h('div', {}, `${t('taskResult')}：${task.dispatch.result_note}`) : null,
          task.state === 'open' || !task.done_at
            ? h('div', { class: 'task-actions' }, reason,
              h('button', { type: 'button', class: 'primary', onclick: () => this.decide(task, true, reason, message) }, t('act_verify_pass')),
              h('button', { type: 'button', onclick: () => this.decide(task, false, reason, message) }, t('taskFail')),
              message)
            : h('div', { class: 'muted' }, task.note || '')));
    }));
  }
}
