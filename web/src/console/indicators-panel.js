// 综合评价: the city-management indicators per unit, department, street or district over the last
// 30 days, as a table and a bar chart of the on-time closure rate (按期结案率), with a CSV export.

import { getToken } from '../shared/auth.js';
import { api, query } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { formatPercent, labelOf, t } from '../shared/i18n.js';

const RATES = ['accurate_dispatch_rate', 'on_time_check_in_rate', 'on_time_handling_rate', 'closure_rate', 'on_time_closure_rate', 'rework_rate'];
const COUNTS = ['reported', 'filed', 'dispatched'];
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Horizontal bars of one rate per row (0–100 %). */
export function barChart(rows, field) {
  const barH = 20;
  const labelW = 150;
  const width = 460;
  const height = rows.length * (barH + 6) + 4;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': labelOf('ind', field) });
  rows.forEach((row, i) => {
    const y = i * (barH + 6) + 2;
    const value = row[field] === null ? 0 : Number(row[field]);
    const w = Math.max(0, Math.min(1, value)) * (width - labelW - 60);
    chart.append(
      svg('text', { x: labelW - 6, y: y + barH * 0.72, 'text-anchor': 'end', class: 'chart-label' }, row.name.slice(0, 12)),
      svg('rect', { x: labelW, y, width: w, height: barH, rx: 3, class: value >= 0.9 ? 'bar good' : value >= 0.6 ? 'bar fair' : 'bar bad' }),
      svg('text', { x: labelW + w + 4, y: y + barH * 0.72, class: 'chart-value' }, formatPercent(row[field])),
    );
  });
  return chart;
}

export class IndicatorsPanel {
  constructor() {
    this.groupBy = h('select', { class: 'filter', onchange: () => this.load() },
      ['unit', 'kind', 'street', 'district'].map((g) => h('option', { value: g }, labelOf('group', g))));
    this.body = h('div', { class: 'indicators' });
    this.el = h('div', { class: 'panel' },
      h('div', { class: 'filters' }, this.groupBy, h('span', { class: 'muted' }, t('period30')),
        h('button', { type: 'button', class: 'link', onclick: () => this.exportCsv() }, t('exportCsv'))),
      this.body);
  }

  async load() {
    try {
      const data = await api.get(`/api/v1/console/indicators${query({ group_by: this.groupBy.value })}`);
      this.render(data.rows);
    } catch (error) {
      mount(this.body, h('p', { class: 'bad' }, t('actionFailed', { message: error.message })));
    }
  }

  render(rows) {
    mount(this.body,
      h('h4', {}, labelOf('ind', 'on_time_closure_rate')),
      rows.length ? barChart(rows, 'on_time_closure_rate') : h('p', { class: 'muted' }, '—'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'indicators-table' },
        h('thead', {}, h('tr', {}, h('th', {}, labelOf('group', this.groupBy.value)),
          COUNTS.map((c) => h('th', {}, labelOf('ind', c))), RATES.map((r) => h('th', {}, labelOf('ind', r))),
          h('th', {}, labelOf('ind', 'mean_handling_hours')))),
        h('tbody', {}, rows.map((row) => h('tr', {},
          h('td', {}, row.name),
          COUNTS.map((c) => h('td', { class: 'num' }, String(row[c]))),
          RATES.map((r) => h('td', { class: 'num' }, formatPercent(row[r]))),
          h('td', { class: 'num' }, row.mean_handling_hours === null ? '—' : row.mean_handling_hours.toFixed(1))))))));
  }

  /** The CSV needs the bearer token, so it is fetched and handed to the browser as a download. */
  async exportCsv() {
    const response = await fetch(`/api/v1/console/indicators.csv${query({ group_by: this.groupBy.value })}`, {
      headers: { Authorization: `Bearer ${getToken()}` },
    });
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    const link = h('a', { href: url, download: `indicators-${this.groupBy.value}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
