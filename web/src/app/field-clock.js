// The running clock of a dispatch (报到 until the unit reports in, then 处置), counted down on the
// phone's own clock every second. Past the deadline the count goes on upwards, in red.

import { h } from '../shared/dom.js';
import { labelOf, t } from '../shared/i18n.js';

const pad = (n) => String(n).padStart(2, '0');

/** 3723 s → "01:02:03"; more than a day → "2天 01:02:03". */
export function formatDuration(ms) {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86400);
  const time = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? t('durationDays', { days, time }) : time;
}

function render(el, now = Date.now()) {
  const left = Date.parse(el.dataset.deadline) - now;
  const clock = labelOf('clock', el.dataset.kind);
  const overdue = left < 0;
  el.textContent = t(overdue ? 'clockOverdue' : 'clockLeft', { clock, time: formatDuration(left) });
  el.classList.toggle('overdue', overdue);
  el.dataset.overdue = String(overdue);
}

/**
 * The countdown of `clock` ({kind, deadline} | null), kept current by the ticker below; a limit the
 * command center set by hand for this dispatch (`dispatch.check_in_limit.custom`, …) is marked 自定.
 */
export function countdown(clock, dispatch = null) {
  if (!clock) return h('span', { class: 'countdown none' }, t('clockNone'));
  const el = h('span', { class: 'countdown', dataset: { deadline: clock.deadline, kind: clock.kind } });
  render(el);
  const limit = dispatch?.[clock.kind === 'check_in' ? 'check_in_limit' : 'handling_limit'];
  return limit?.custom ? [el, h('span', { class: 'muted limit-custom' }, t('limitCustom'))] : el;
}

// One ticker for every countdown on the page.
let ticker = null;
export function startTicking() {
  if (ticker) return;
  ticker = setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll('.countdown[data-deadline]')) render(el, now);
  }, 1000);
}

export function stopTicking() {
  clearInterval(ticker);
  ticker = null;
}
