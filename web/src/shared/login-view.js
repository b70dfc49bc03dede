// The login form. The device label helps the user spot (and revoke) this phone in the token list.

import { login, request } from './api.js';
import { saveSession } from './auth.js';
import { h } from './dom.js';
import { t } from './i18n.js';

function deviceLabel() {
  const ua = navigator.userAgent;
  const match = ua.match(/\(([^)]+)\)/);
  return `网页 · ${(match ? match[1] : ua).slice(0, 80)}`;
}

export function loginView({ title, onLoggedIn, allowedRoles = null }) {
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('div', { class: 'form-message error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary block', id: 'login-submit' }, t('loginButton'));

  async function submit(event) {
    event.preventDefault();
    message.textContent = '';
    button.disabled = true;
    button.textContent = t('loggingIn');
    try {
      const answer = await login(username.value.trim(), password.value, deviceLabel());
      if (allowedRoles && !allowedRoles.includes(answer.user.role)) {
        message.textContent = t('roleNotAllowed', { role: answer.user.role });
        // Do not leave an unused token behind.
        request('/api/v1/auth/logout', { method: 'POST', auth: false, headers: { Authorization: `Bearer ${answer.access_token}` } }).catch(() => {});
        return;
      }
      saveSession(answer);
      onLoggedIn(answer.user);
    } catch (error) {
      message.textContent = t('loginFailed', { message: error.message });
    } finally {
      button.disabled = false;
      button.textContent = t('loginButton');
    }
  }

  return h(
    'form',
    { class: 'login card', onsubmit: submit },
    h('h1', {}, title),
    h('h2', {}, t('loginTitle')),
    h('label', { for: 'login-username' }, t('username')),
    username,
    h('label', { for: 'login-password' }, t('password')),
    password,
    message,
    button,
  );
}
