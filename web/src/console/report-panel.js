// One report awaiting triage: what the phone sent, its flags, and the dispatcher's choices
// (立案 file, 作废 void, 合并 merge into an existing case).

import { api, request } from '../shared/api.js';
import { ask } from '../shared/dialog.js';
import { h } from '../shared/dom.js';
import { formatDateTime, labelOf, t } from '../shared/i18n.js';
import { allCategories, categoryName } from './lookups.js';

/** Find a case id by its number (案卷号), looking through the latest cases. */
export async function caseIdByNumber(number) {
  const cases = await api.get('/api/v1/console/cases?limit=500');
  return cases.find((c) => String(c.number) === String(number))?.id ?? null;
}

export function reportPanel(item, { onBack, onCase, notify }) {
  const photos = h('div', { class: 'photos' }, h('span', { class: 'muted' }, t('loading')));
  // The report's photos (public derivatives), when the service lets the console read the report.
  request(`/api/v1/reports/${item.id}`)
    .then((report) => {
      photos.replaceChildren(...(report.photos?.length
        ? report.photos.map((p) => h('a', { href: p.display_url, target: '_blank' }, h('img', { src: p.thumb_url, alt: '' })))
        : [h('span', { class: 'muted' }, t('noPhotos'))]));
    })
    .catch(() => photos.replaceChildren(h('span', { class: 'muted' }, t('noPhotos'))));

  async function act(run) {
    try {
      const result = await run();
      if (result === null) return;
      notify(t('actionDone'));
      if (result?.id) onCase(result.id);
    } catch (error) {
      notify(t('actionFailed', { message: error.message }), 'error');
    }
  }

  const file = () => act(async () => {
    const values = await ask({
      title: t('actFile'),
      fields: [
        { name: 'category_code', label: t('fileCategory'), type: 'select', value: item.category_code,
          options: allCategories().map((c) => ({ value: c.code, label: `${c.code} ${c.major_name} › ${c.name}` })) },
        { name: 'note', label: t('note'), type: 'textarea' },
      ],
    });
    if (!values) return null;
    const body = { note: values.note };
    if (values.category_code && values.category_code !== item.category_code) body.category_code = values.category_code;
    return api.post(`/api/v1/console/triage/${item.id}/file`, body);
  });

  const voidIt = () => act(async () => {
    const values = await ask({ title: t('actVoid'), fields: [{ name: 'reason', label: t('voidReason'), type: 'textarea', required: true }] });
    if (!values) return null;
    return api.post(`/api/v1/console/triage/${item.id}/void`, { reason: values.reason });
  });

  const merge = () => act(async () => {
    const values = await ask({ title: t('actMerge'), fields: [{ name: 'number', label: t('mergeInto'), required: true, inputmode: 'numeric' }, { name: 'note', label: t('note') }] });
    if (!values) return null;
    const caseId = await caseIdByNumber(values.number);
    if (!caseId) throw new Error(t('mergeUnknownCase', { number: values.number }));
    return api.post(`/api/v1/console/triage/${item.id}/merge`, { into_case_id: caseId, note: values.note });
  });

  const place = [item.district_code, item.street_code, item.community_code, item.grid_code].filter(Boolean).pop();
  return h('div', { class: 'panel detail', id: 'report-detail', dataset: { id: item.id } },
    h('button', { type: 'button', class: 'link', onclick: onBack }, `‹ ${t('back')}`),
    h('h3', {}, categoryName(item.category_code)),
    h('dl', { class: 'facts' },
      h('dt', {}, t('reportedAt')), h('dd', {}, formatDateTime(item.created_at)),
      h('dt', {}, t('place')), h('dd', {}, place ? `网格 ${place}` : labelOf('flag', 'unrouted'), ` · ${item.lon.toFixed(5)}, ${item.lat.toFixed(5)}`),
      item.flags.length ? [h('dt', {}, t('flags')), h('dd', {}, item.flags.map((f) => h('span', { class: 'flag' }, labelOf('flag', f))))] : null),
    item.text ? h('p', { class: 'report-text' }, item.text) : null,
    h('h4', {}, t('photosOfReport')),
    photos,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', id: 'act-file', onclick: file }, t('actFile')),
      h('button', { type: 'button', id: 'act-merge', onclick: merge }, t('actMerge')),
      h('button', { type: 'button', id: 'act-void', onclick: voidIt }, t('actVoid'))));
}
