// Where the login lives on this device: the bearer token and the user it belongs to.
// Kept in localStorage so that a phone stays logged in across restarts (tokens are revocable server-side).

const KEY = 'whistle.session';

/** @returns {{token: string, expiresAt: string, user: {id: string, username: string, display_name: string, role: string, unit_id: string|null}}|null} */
export function getSession() {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (!session || !session.token) return null;
    if (session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function getToken() {
  return getSession()?.token ?? null;
}

export function saveSession(loginResponse) {
  const session = {
    token: loginResponse.access_token,
    expiresAt: loginResponse.expires_at,
    user: loginResponse.user,
  };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  localStorage.removeItem(KEY);
}
