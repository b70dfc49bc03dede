// The phone's position. Browsers give WGS-84 (the W3C Geolocation API), so reports say datum=wgs84.
// We keep watching while the report form is open and keep the best (most accurate, recent) fix.

import { t } from '../shared/i18n.js';

const STALE_MS = 2 * 60 * 1000;

export class PositionWatcher extends EventTarget {
  constructor() {
    super();
    this.fix = null; // {lon, lat, accuracy, at}
    this.error = null; // a Chinese message
    this.watchId = null;
  }

  start() {
    this.stop();
    this.error = null;
    if (!('geolocation' in navigator)) {
      this.error = t('locationUnsupported');
      this.changed();
      return;
    }
    this.watchId = navigator.geolocation.watchPosition(
      (pos) => this.onFix(pos),
      (err) => this.onError(err),
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
    );
    this.changed();
  }

  stop() {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
  }

  onFix(pos) {
    const fix = {
      lon: pos.coords.longitude,
      lat: pos.coords.latitude,
      accuracy: pos.coords.accuracy,
      at: pos.timestamp || Date.now(),
    };
    // A newer fix wins unless it is much worse than a recent one (a GPS fix beats a later cell fix).
    const current = this.fix;
    const currentFresh = current && fix.at - current.at < STALE_MS;
    if (!currentFresh || fix.accuracy <= current.accuracy * 1.5) this.fix = fix;
    this.error = null;
    this.changed();
  }

  onError(err) {
    const reasons = { 1: t('locationDenied'), 2: err.message || 'position unavailable', 3: t('locationTimeout') };
    this.error = reasons[err.code] || err.message;
    this.changed();
  }

  /** A fix fit to send, or null: older than two minutes is no longer where the phone is. */
  current() {
    if (!this.fix || Date.now() - this.fix.at > STALE_MS) return null;
    return this.fix;
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }
}
