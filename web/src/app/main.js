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
  views = [reportView, mineView];
  const content = h('main', { class: 'content' });
  const tabs = {
    report: h('button', { type: 'button', class: 'tab', id: 'tab-report', onclick: () => select('report') }, t('tabReport')),
    mine: h('button', { type: 'button', class: 'tab', id: 'tab-mine', onclick: () => select('mine') }, t('tabMine')),
  };

  function select(name) {
    for (const [key, tab] of Object.entries(tabs)) tab.classList.toggle('active', key === name);
    mount(content, name === 'report' ? reportView.el : mineView.el);
    if (name === 'mine') mineView.load();
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
    h('nav', { class: 'tabs' }, tabs.report, tabs.mine),
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
