// Server-sent events over fetch(), because EventSource cannot send the Authorization header.
// Parses the text/event-stream format (event:, id:, data:, retry:, comments) and reconnects after
// the server's `retry:` delay, sending Last-Event-ID.

import { getToken } from './auth.js';

/** Split a text/event-stream buffer into complete events; returns [events, rest]. */
export function parseEvents(buffer) {
  const events = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  for (const block of blocks) {
    const event = { event: 'message', data: [], id: null, retry: null };
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
    }
    if (event.data.length > 0 || event.retry !== null) events.push({ ...event, data: event.data.join('\n') });
  }
  return [events, rest];
}

/**
 * Follow a stream. `onEvent({event, id, data})` gets each event with data parsed as JSON;
 * `onStatus('open'|'closed')` tells whether the stream is connected. Returns a stop() function.
 */
export function follow(url, { onEvent, onStatus = () => {} }) {
  let stopped = false;
  let retryMs = 3000;
  let lastId = null;
  let controller = null;

  async function connect() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { Accept: 'text/event-stream' };
        const token = getToken();
        if (token) headers.Authorization = `Bearer ${token}`;
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
        if (!response.ok || !response.body) throw new Error(`feed answered ${response.status}`);
        onStatus('open');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        while (!stopped) {
          const { value, done } = await reader.read();
          if (done) break;
          const [events, rest] = parseEvents(buffer + value);
          buffer = rest;
          for (const e of events) {
            if (e.retry !== null) retryMs = e.retry;
            if (e.id) lastId = e.id;
            if (!e.data) continue;
            let data;
            try {
              data = JSON.parse(e.data);
            } catch {
              data = e.data;
            }
            onEvent({ event: e.event, id: e.id, data });
          }
        }
      } catch {
        // Network error or aborted: reconnect below unless stopped.
      }
      onStatus('closed');
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }

  connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
