// 申请延期 (how much more time, in which unit, and why) and 退回 (不属于本单位, with the reason): short
// forms sent at once, while online; the answer (or the refusal) shows on the case page.

import { api } from '../shared/api.js';
import { ask } from '../shared/dialog.js';
import { labelOf, t } from '../shared/i18n.js';

const LIMIT_UNITS = ['urgent_hours', 'work_hours', 'work_days', 'natural_days'];

/** Resolves to the updated dispatch, or null when cancelled. */
export async function extensionDialog(d) {
  const values = await ask({
    title: t('extensionTitle'),
    submitLabel: t('act_request_extension'),
    fields: [
      { name: 'amount', label: t('extensionAmount'), required: true, inputmode: 'decimal', placeholder: t('limitPlaceholder') },
      { name: 'unit', label: t('extensionUnit'), type: 'select', value: d.handling_limit?.unit || 'work_days',
        options: LIMIT_UNITS.map((u) => ({ value: u, label: labelOf('limitUnit', u) })) },
      { name: 'reason', label: t('extensionReason'), type: 'textarea', required: true },
    ],
  });
  return values && api.post(`/api/v1/department/dispatches/${d.id}/extension`, values);
}

export async function sendBackDialog(d) {
  const values = await ask({
    title: t('sendBackTitle'),
    submitLabel: t('act_send_back'),
    fields: [{ name: 'reason', label: t('sendBackReasonField'), type: 'textarea', required: true }],
  });
  return values && api.post(`/api/v1/department/dispatches/${d.id}/send-back`, { reason: values.reason });
}
