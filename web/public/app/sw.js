// Service worker of the reporter app (scope /app/). It keeps the app shell (the page, its hashed
// scripts and styles, the manifest and icons) so the app opens without a network; reports themselves
// wait in the page's IndexedDB outbox, not here. API calls and uploads are never touched. Lookups
// ignore Vary: the service compresses what it sends (Vary: Accept-Encoding), the bytes are the same.

const CACHE = 'whistle-app-shell-v1';
const SHELL = '/app/';
const STATIC = ['/app/manifest.webmanifest', '/app/icons/icon-192.png', '/app/icons/icon-512.png'];
const NAVIGATION_TIMEOUT_MS = 4000;

/** The /assets/ files a page needs, read from its HTML (scripts, module preloads, styles). */
function assetUrls(html) {
  const urls = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) urls.add(match[1]);
  return [...urls];
}

/** Store the shell page and everything it references; forget assets of older builds. */
async function storeShell(response) {
  const cache = await caches.open(CACHE);
  const html = await response.clone().text();
  const assets = assetUrls(html);
  await cache.addAll([...assets, ...STATIC]);
  await cache.put(SHELL, response);
  const keep = new Set([...assets, ...STATIC, SHELL]);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (!keep.has(path)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(SHELL, { cache: 'no-cache' })
      .then((response) => {
        if (!response.ok) throw new Error(`shell answered ${response.status}`);
        return storeShell(response);
      })
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('whistle-app-shell-') && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function fetchWithTimeout(request, ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  return fetch(request, { signal: controller.signal }).finally(() => clearTimeout(timer));
}

/** Pages: the network first (a new build shows at once), the stored shell when offline or too slow. */
async function navigate(event) {
  try {
    const response = await fetchWithTimeout(event.request, NAVIGATION_TIMEOUT_MS);
    if (response.ok && new URL(event.request.url).pathname === SHELL) {
      event.waitUntil(storeShell(response.clone()).catch(() => {}));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(SHELL, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

/** Hashed assets never change under their name: the cache first, then the network. */
async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/app/')) {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith('/assets/') || STATIC.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
