// What a unit's queued upload (报到 or 处置反馈) is doing, in the reporter outbox's words:
// 待发送 (with why it waits) / 发送中 / done / 失败（原因）.

import { h } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { deleteReport } from './outbox.js';

export function uploadLabel(record, doneText) {
  const error = record.lastError;
  switch (record.state) {
    case 'sending':
      return t('syncSending');
    case 'sent':
      return doneText;
    case 'failed':
      // A 409 naming the allowed actions: the dispatch moved on (already checked in, sent back, withdrawn).
      if (error?.status === 409) return t('dispatchMovedOn');
      return t('uploadFailed', { message: error?.message || '' });
    default:
      if (error?.status === 401) return `${t('syncPending')} · ${t('syncWaitingLogin')}`;
      if (error) return `${t('syncPending')} · ${error.code === 'network' ? t('syncOffline') : error.message}`;
      return t('syncPending');
  }
}


/** A refused upload can be dropped from the phone (the unit may then try again with a new one). */
export function discardButton(record) {
  if (record.state !== 'failed') return null;
  return h('button', { type: 'button', class: 'link danger upload-discard', onclick: () => deleteReport(record.id) }, t('delete'));
}
