// The phone app (/app/): grid workers and couriers report with photos and position and see their
// reports; the departments' officers and street teams get their unit's whistles (哨单) and finished work
// (已办) — a street team also reports what it finds itself.

import '../shared/base.css';
import './app.css';

import { authEvents, request } from '../shared/api.js';
import { clearSession, getSession } from '../shared/auth.js';
import { $, h, mount } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { cachedCategories, fetchCategories } from './categories.js';
import { loginView } from '../shared/login-view.js';
import { startTicking, stopTicking } from './field-clock.js';
import { FieldFeed } from './field-feed.js';
import { HistoryView } from './field-history.js';
import { WhistlesView } from './field-whistles.js';
import { MineView } from './mine-view.js';
import { pruneSent } from './outbox.js';
import { ReportView } from './report-view.js';
import { PointsView } from './points-view.js';
import { TasksView } from './tasks-view.js';
import { kick, retryAllNow, startSync } from './sync.js';

const root = $('#app');
let categoriesByCode = new Map();
let views = [];
const categoryName = (code) => categoriesByCode.get(code)?.name ?? code;

function registerServiceWorker() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch((err) => console.warn('service worker', err));
  }
}

function offlineBanner(text) {
  const banner = h('div', { class: 'banner', id: 'offline-banner', hidden: navigator.onLine }, text);
  window.addEventListener('online', () => (banner.hidden = true));
  window.addEventListener('offline', () => (banner.hidden = false));
  return banner;
}

let feed = null;

function stopViews() {
  for (const view of views) view.stop();
  views = [];
  feed?.stop();
  feed = null;
  stopTicking();
}

function showLogin() {
  stopViews();
  mount(root, loginView({
    title: t('appTitle'),
    onLoggedIn: () => {
      showMain();
      retryAllNow();
    },
  }));
}

async function loadCategories(reportView) {
  const apply = (list) => {
    categoriesByCode = new Map(list.map((c) => [c.code, c]));
    reportView.setCategories(list);
  };
  const cached = cachedCategories();
  if (cached) apply(cached);
  try {
    apply(await fetchCategories());
  } catch (error) {
    if (!cached) reportView.picker.setError(t('categoriesFailed', { message: error.message }));
  }
}

// The departments' roles: their unit's whistles first; a street team also reports (街道自查).
const FIELD_ROLES = new Set(['officer', 'street_team']);

/** The screens of a role, in tab order; the first one opens. [name, label, view] */
function screensFor(role) {
  const screens = [];
  if (FIELD_ROLES.has(role)) {
    feed = new FieldFeed();
    screens.push(['whistles', t('tabWhistles'), new WhistlesView({ feed })], ['history', t('tabHistory'), new HistoryView({ feed })]);
  }
  if (role !== 'officer') {
    screens.push(['report', t('tabReport'), new ReportView({ categoryName })], ['mine', t('tabMine'), new MineView({ categoryName })]);
  }
  // Verification tasks (核查) belong to grid workers.
  if (role === 'grid_worker') screens.push(['tasks', t('tabTasks'), new TasksView({ categoryName })]);
  // Points (积分) belong to couriers, the mobile grid workers.
  if (role === 'courier') screens.push(['points', t('tabPoints'), new PointsView()]);
  return screens;
}

function showMain() {
  stopViews();
  const session = getSession();
  const role = session.user.role;
  const screens = screensFor(role);
  views = screens.map(([, , view]) => view);
  const byName = Object.fromEntries(screens.map(([name, , view]) => [name, view]));
  const content = h('main', { class: 'content' });
  const tabs = Object.fromEntries(screens.map(([name, label]) =>
    [name, h('button', { type: 'button', class: 'tab', id: `tab-${name}`, onclick: () => select(name) }, label)]));

  function select(name) {
    for (const [key, button] of Object.entries(tabs)) button.classList.toggle('active', key === name);
    mount(content, byName[name].el);
    if (name !== 'report') byName[name].load();
    // The report form's position watch runs only while the form is shown: a 报到 takes its own fresh fix,
    // which a watch left running elsewhere would starve.
    if (byName.report) {
      if (name === 'report') byName.report.position.start();
      else byName.report.position.stop();
    }
  }

  async function logout() {
    try {
      await request('/api/v1/auth/logout', { method: 'POST' });
    } catch {
      // Offline or already revoked: forgetting the token locally is what matters here.
    }
    clearSession();
    showLogin();
  }

  mount(
    root,
    h('header', { class: 'topbar' },
      h('span', { class: 'brand' }, FIELD_ROLES.has(role) ? t('fieldTitle') : t('appTitle')),
      h('span', { class: 'who' }, session.user.display_name || session.user.username),
      h('button', { type: 'button', class: 'link light', id: 'logout', onclick: logout }, t('logout'))),
    offlineBanner(FIELD_ROLES.has(role) ? t('fieldOfflineBanner') : t('offlineBanner')),
    h('nav', { class: 'tabs' }, Object.values(tabs)),
    content,
  );
  select(screens[0][0]);
  if (feed) {
    feed.start();
    startTicking();
  }
  if (byName.report) loadCategories(byName.report);
}

authEvents.addEventListener('logout', () => showLogin());
registerServiceWorker();
pruneSent().catch(() => {});
startSync().catch((err) => console.warn('sync', err));
if (getSession()) showMain();
else showLogin();
// A token may have been added by another tab: try the outbox when the page regains focus.
window.addEventListener('focus', () => kick());
