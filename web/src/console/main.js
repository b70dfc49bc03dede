// The command-center console (/console/): map triage, cases, the SLA board, indicators, live feed, cases
// made by hand (新建案卷). A supervising office (督办单位) gets its own read-only screen here
// (supervision-panel.js).

import '../shared/base.css';
import './console.css';

import { authEvents, request } from '../shared/api.js';
import { clearSession, getSession } from '../shared/auth.js';
import { $, h, mount } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { follow } from '../shared/sse.js';
import { loginView } from '../shared/login-view.js';
import { BoardPanel } from './board-panel.js';
import { CasePanel } from './case-panel.js';
import { CasesPanel } from './cases-panel.js';
import { loadCommand } from './command.js';
import { IndicatorsPanel } from './indicators-panel.js';
import { loadCategories, loadUnits } from './lookups.js';
import { MapPanel } from './map-panel.js';
import { NewCasePanel } from './new-case-dialog.js';
import { reportPanel } from './report-panel.js';
import { showSupervision } from './supervision-panel.js';
import { TriagePanel } from './triage-panel.js';

// The command staff of the city, a district or a street, a street's enforcement team, admins (read-only),
// and supervising offices (their own read-only screen).
const CONSOLE_ROLES = ['dispatcher', 'street_team', 'admin', 'supervisor'];
const root = $('#app');
let stopFeed = null;

function toast(message, kind = 'ok') {
  const el = h('div', { class: `toast toast-${kind}`, role: 'status' }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

function showLogin() {
  stopFeed?.();
  mount(root, h('div', { class: 'login-wrap' }, loginView({ title: t('consoleTitle'), allowedRoles: CONSOLE_ROLES, onLoggedIn: showStart })));
}

async function logout() {
  try {
    await request('/api/v1/auth/logout', { method: 'POST' });
  } catch {
    // Already revoked or offline: forgetting the token is what matters.
  }
  clearSession();
  showLogin();
}

/** The header every console screen shares: title, tabs, extra controls, who is logged in, logout. */
function topbar(title, tabs, extra = []) {
  const session = getSession();
  return h('header', { class: 'topbar' },
    h('span', { class: 'brand', id: 'console-brand' }, title),
    h('nav', { class: 'tabs' }, tabs),
    extra,
    h('span', { class: 'who' }, session.user.display_name || session.user.username),
    h('button', { type: 'button', class: 'link light', id: 'logout', onclick: logout }, t('logout')));
}

function showStart() {
  if (getSession()?.user.role === 'supervisor') {
    stopFeed?.();
    showSupervision(root, { topbar: (tabs) => topbar(t('supervisionConsoleTitle'), tabs) });
  } else {
    showConsole();
  }
}

function showConsole() {
  const session = getSession();
  const side = h('section', { class: 'side' });
  const mapEl = h('div', { class: 'map', id: 'console-map' });
  const live = h('span', { class: 'live off', id: 'live-status' }, t('liveOff'));

  const mapPanel = new MapPanel(mapEl, { onSelect: (item) => openReport(item) });
  const triage = new TriagePanel({ onItems: (items) => mapPanel.setItems(items), onOpen: (item) => openReport(item) });
  const casesPanel = new CasesPanel({ onOpen: (id) => openCase(id) });
  const board = new BoardPanel({ onOpen: (id) => openCase(id) });
  const indicators = new IndicatorsPanel();
  const casePanel = new CasePanel({ onBack: () => select(current), notify: toast });
  const newCase = new NewCasePanel({ mapPanel, onBack: () => select(current), onCreated: (id) => openCase(id), notify: toast });
  const panels = { triage, cases: casesPanel, board, indicators };
  let current = 'triage';
  let detail = null; // 'case' | 'report' | null

  const tabs = Object.fromEntries(['triage', 'cases', 'board', 'indicators'].map((name) => [name,
    h('button', { type: 'button', class: 'tab', id: `tab-${name}`, onclick: () => select(name) },
      t(`tab${name[0].toUpperCase()}${name.slice(1)}`))]));

  function select(name) {
    current = name;
    detail = null;
    for (const [key, tab] of Object.entries(tabs)) tab.classList.toggle('active', key === name);
    mount(side, panels[name].el);
    mapPanel.select(null, { pan: false });
    panels[name].load();
  }

  function openReport(item) {
    detail = 'report';
    mapPanel.select(item.id);
    mount(side, reportPanel(item, { onBack: () => select('triage'), onCase: (id) => { triage.load(); openCase(id); }, notify: toast }));
  }

  function openCase(id) {
    detail = 'case';
    mount(side, casePanel.el);
    casePanel.open(id);
  }

  function openNewCase() {
    detail = 'new';
    mount(side, newCase.el);
    newCase.open();
  }

  const newCaseButton = ['dispatcher', 'street_team'].includes(session.user.role)
    ? h('button', { type: 'button', class: 'light-button', id: 'new-case-button', onclick: openNewCase }, t('newCase'))
    : null;
  mount(root, topbar(t('consoleTitle'), Object.values(tabs), [newCaseButton, live]), h('div', { class: 'workspace' }, mapEl, side));

  // What this desk commands: its name in the header, its division on the map.
  const brand = root.querySelector('#console-brand');
  Promise.all([loadCommand(), mapPanel.start()]).then(([command]) => {
    brand.textContent = t('consoleTitleOf', { name: command.name, label: command.level === 'city' ? '指挥中心' : '指挥' });
    brand.dataset.level = command.level;
    if (command.bbox) mapPanel.fitTo(command.bbox);
    if (detail === 'case') casePanel.refresh();
  }).catch((error) => toast(t('actionFailed', { message: error.message }), 'error'));
  loadCategories().then(() => triage.setCategories());
  loadUnits();
  select('triage');

  // Live feed: refresh what is on screen when something happens.
  stopFeed?.();
  stopFeed = follow('/api/v1/console/feed', {
    onStatus: (status) => {
      live.className = `live ${status === 'open' ? 'on' : 'off'}`;
      live.textContent = status === 'open' ? t('liveOn') : t('liveOff');
    },
    onEvent: ({ event, data }) => {
      mapPanel.refreshReports();
      if (event === 'report') {
        toast(t('newReport'));
        if (current === 'triage' && !detail) triage.load();
        else triage.load().then(() => {});
      } else if (event === 'state' || event === 'red') {
        if (detail === 'case' && data.case_id === casePanel.caseId) casePanel.refresh();
        else if (!detail && current !== 'triage') panels[current].load();
        if (event === 'red') toast(`${t('colour_red')}：${data.clock === 'check_in' ? t('checkInClock') : t('handlingClock')}`, 'error');
      }
    },
  });
}

authEvents.addEventListener('logout', () => showLogin());
const session = getSession();
if (session && CONSOLE_ROLES.includes(session.user.role)) showStart();
else showLogin();
