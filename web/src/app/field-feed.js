// The unit's live feed (/api/v1/field/feed): a new whistle, a change to one of the unit's dispatches,
// a clock turned red. One connection for the whole app; the screens reload what they show on any event
// (and when the connection comes back, in case an event was missed meanwhile). No page reload.

import { follow } from '../shared/sse.js';

export class FieldFeed extends EventTarget {
  constructor() {
    super();
    this.stopFollowing = null;
    this.live = false;
    this.wasOpen = false;
  }

  start() {
    if (this.stopFollowing) return;
    this.stopFollowing = follow('/api/v1/field/feed', {
      onEvent: ({ event, data }) => this.dispatchEvent(new CustomEvent('event', { detail: { event, data } })),
      onStatus: (status) => {
        this.live = status === 'open';
        this.dispatchEvent(new Event('status'));
        // Reconnected: whatever happened while the stream was down is reloaded once.
        if (this.live && this.wasOpen) this.dispatchEvent(new CustomEvent('event', { detail: { event: 'reconnect', data: null } }));
        if (this.live) this.wasOpen = true;
      },
    });
  }

  stop() {
    this.stopFollowing?.();
    this.stopFollowing = null;
  }
}
