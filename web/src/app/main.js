// The reporter app (/app/): log in, report with photos and position, see my reports.

import '../shared/base.css';
import './app.css';

import { authEvents, request } from '../shared/api.js';
import { clearSession, getSession } from '../shared/auth.js';
import { $, h, mount } from '../shared/dom.js';
import { t } from '../shared/i18n.js';
import { cachedCategories, fetchCategories } from './categories.js';
import { loginView } from '../shared/login-view.js';
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

function offlineBanner() {
  const banner = h('div', { class: 'banner', id: 'offline-banner', hidden: navigator.onLine }, t('offlineBanner'));
  window.addEventListener('online', () => (banner.hidden = true));
  window.addEventListener('offline', () => (banner.hidden = false));
  return banner;
}

function stopViews() {
  for (const view of views) view.stop();
  views = [];
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

function showMain() {
  stopViews();
  const session = getSession();
  const reportView = new ReportView({ categoryName });
  const mineView = new MineView({ categoryName });
  // Verification tasks (核查) belong to grid workers.
  const tasksView = session.user.role === 'grid_worker' ? new TasksView({ categoryName }) : null;
  // Points (积分) belong to couriers, the mobile grid workers.
  const pointsView = session.user.role === 'courier' ? new PointsView() : null;
  views = [reportView, mineView, tasksView, pointsView].filter(Boolean);
  const screens = { report: reportView, mine: mineView, tasks: tasksView, points: pointsView };
  const content = h('main', { class: 'content' });
  const tab = (name, label) => h('button', { type: 'button', class: 'tab', id: `tab-${name}`, onclick: () => select(name) }, label);
  const tabs = { report: tab('report', t('tabReport')), mine: tab('mine', t('tabMine')) };
  if (tasksView) tabs.tasks = tab('tasks', t('tabTasks'));
  if (pointsView) tabs.points = tab('points', t('tabPoints'));

  function select(name) {
    for (const [key, button] of Object.entries(tabs)) button.classList.toggle('active', key === name);
    mount(content, screens[name].el);
    if (name !== 'report') screens[name].load();
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
      h('span', { class: 'brand' }, t('appTitle')),
      h('span', { class: 'who' }, session.user.display_name || session.user.username),
      h('button', { type: 'button', class: 'link light', id: 'logout', onclick: logout }, t('logout'))),
    offlineBanner(),
    h('nav', { class: 'tabs' }, Object.values(tabs)),
    content,
  );
  select('report');
  reportView.start();
  loadCategories(reportView);
}

authEvents.addEventListener('logout', () => showLogin());
registerServiceWorker();
pruneSent().catch(() => {});
startSync().catch((err) => console.warn('sync', err));
if (getSession()) showMain();
else showLogin();
// A token may have been added by another tab: try the outbox when the page regains focus.
window.addEventListener('focus', () => kick());
