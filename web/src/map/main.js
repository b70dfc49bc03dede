// The public station map (/map/): warm-new stations with their services and opening hours, the nearest
// open station offering a service from the user's position, pairing points, warm-new streets.
// Anonymous, phone-first, every asset and tile from this origin.

import '../shared/base.css';
import './map.css';

import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import { Circle, Fill, Stroke, Style } from 'ol/style.js';
import { api, query } from '../shared/api.js';
import { $, h, mount } from '../shared/dom.js';
import { formatMeters, labelOf, t } from '../shared/i18n.js';
import { createMap, fromLonLat } from '../shared/map.js';
import { baseLayers, commercialStreetsLayer, pairingLayer, stationLayer } from './layers.js';

const SERVICES = ['drinking_water', 'charging', 'toilet', 'rest', 'microwave', 'heating'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const root = $('#app');
const wanted = new Set();
const stations = stationLayer();
const pairings = pairingLayer();
const streets = commercialStreetsLayer();
const here = new VectorLayer({
  source: new VectorSource(),
  style: new Style({ image: new Circle({ radius: 8, fill: new Fill({ color: '#1e88e5' }), stroke: new Stroke({ color: '#fff', width: 3 }) }) }),
});
let map = null;

const mapEl = h('div', { class: 'map', id: 'public-map' });
const chips = h('div', { class: 'chip-bar', id: 'service-chips' });
const panel = h('section', { class: 'sheet-panel', id: 'map-panel', 'aria-live': 'polite' });
const countEl = h('span', { class: 'muted' });
const nearestButton = h('button', { type: 'button', class: 'primary', id: 'find-nearest', onclick: () => findNearest() }, t('findNearest'));

/** "周一至周五 08:00–20:00；周六、周日 09:00–16:00": consecutive days with the same hours grouped. */
export function hoursText(station) {
  if (station.always_open) return t('alwaysOpen');
  const groups = [];
  for (const day of DAYS) {
    const ranges = station.opening_hours[day] || [];
    const text = ranges.map(([a, b]) => `${a}–${b}`).join('、');
    const last = groups[groups.length - 1];
    if (last && last.text === text && DAYS.indexOf(last.days[last.days.length - 1]) === DAYS.indexOf(day) - 1) last.days.push(day);
    else groups.push({ text, days: [day] });
  }
  return groups
    .filter((g) => g.text)
    .map((g) => {
      const first = labelOf('day', g.days[0]);
      const span = g.days.length === 1 ? first : g.days.length === 2 ? `${first}、${labelOf('day', g.days[1])}` : `${first}至${labelOf('day', g.days[g.days.length - 1])}`;
      return `${span} ${g.text}`;
    })
    .join('；');
}

function stationCard(s) {
  return h('article', { class: 'card station', dataset: { id: s.id, code: s.code } },
    h('h3', {}, s.name, ' ', h('span', { class: `open-badge ${s.open_now ? 'open' : 'closed'}` }, s.open_now ? t('openNow') : t('closedNow'))),
    s.distance_m !== null && s.distance_m !== undefined ? h('div', { class: 'distance' }, t('distance', { distance: formatMeters(s.distance_m) })) : null,
    h('div', {}, h('span', { class: 'muted' }, `${t('address')}：`), s.address),
    h('div', { class: 'svc-list' }, s.services.map((c) => h('span', { class: `svc${wanted.has(c) ? ' wanted' : ''}` }, labelOf('svc', c)))),
    h('div', {}, h('span', { class: 'muted' }, `${t('openingHours')}：`), hoursText(s)),
    s.operator ? h('div', { class: 'muted' }, `${t('operator')}：${s.operator}`) : null,
    s.is_demo ? h('div', { class: 'demo' }, t('demoData')) : null);
}

function pairingCard(p) {
  return h('article', { class: 'card pairing', dataset: { id: p.id } },
    h('h3', {}, t('pairingTitle'), ' · ', p.community.name),
    h('div', {}, h('span', { class: 'muted' }, `${t('pairingUnit')}：`), p.unit_name),
    h('div', {}, h('span', { class: 'muted' }, `${t('firstSecretary')}：`), p.first_secretary.name || '', p.first_secretary.role ? `（${p.first_secretary.role}）` : ''),
    p.liaison_name ? h('div', {}, h('span', { class: 'muted' }, `${t('liaison')}：`), p.liaison_name) : null,
    p.projects.length ? h('div', {}, h('span', { class: 'muted' }, `${t('projects')}：`), p.projects.join('、')) : null,
    p.is_demo ? h('div', { class: 'demo' }, t('demoData')) : null);
}

function focus(layer, item) {
  const feature = layer.select(item.id);
  if (feature && map) map.getView().animate({ center: feature.getGeometry().getCoordinates(), zoom: Math.max(map.getView().getZoom(), 14), duration: 300 });
}

function renderChips() {
  mount(chips, SERVICES.map((code) => h('button', {
    type: 'button',
    class: `chip${wanted.has(code) ? ' active' : ''}`,
    dataset: { service: code },
    'aria-pressed': wanted.has(code) ? 'true' : 'false',
    onclick: () => {
      if (wanted.has(code)) wanted.delete(code);
      else wanted.add(code);
      renderChips();
      loadStations();
    },
  }, labelOf('svc', code))));
}

async function loadStations() {
  try {
    const list = await api.getAll(`/api/v1/public/stations${query({ service: [...wanted].join(',') })}`, { auth: false });
    stations.setItems(list);
    countEl.textContent = t('stationCount', { count: list.length });
  } catch (error) {
    countEl.textContent = t('stationsFailed', { message: error.message });
  }
}

async function loadPairings() {
  try {
    pairings.setItems(await api.getAll('/api/v1/public/pairings', { auth: false }));
  } catch {
    // The stations matter most; the pairing layer simply stays empty.
  }
}

function position() {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) reject(new Error(t('locationUnsupported')));
    else navigator.geolocation.getCurrentPosition(resolve, (err) => reject(new Error(err.code === 1 ? t('locationDenied') : err.message)), { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 });
  });
}

async function findNearest() {
  nearestButton.disabled = true;
  mount(panel, h('p', { class: 'muted' }, t('locating')));
  try {
    const pos = await position();
    const { longitude: lon, latitude: lat } = pos.coords;
    here.getSource().clear();
    here.getSource().addFeature(new Feature({ geometry: new Point(fromLonLat([lon, lat])) }));
    const list = await api.get(`/api/v1/public/stations/nearest${query({ lon, lat, service: [...wanted].join(','), open_now: true, limit: 3 })}`, { auth: false });
    if (list.length === 0) {
      mount(panel, h('p', {}, t('nearestNone')));
      return;
    }
    mount(panel, h('h2', {}, t('nearestTitle')), h('div', { id: 'nearest-list' }, list.map(stationCard)));
    focus(stations, list[0]);
  } catch (error) {
    mount(panel, h('p', { class: 'bad' }, t('locationUnavailable', { reason: error.message })));
  } finally {
    nearestButton.disabled = false;
  }
}

function layerToggle(label, layer, id) {
  const box = h('input', { type: 'checkbox', checked: true, id, onchange: () => layer.setVisible(box.checked) });
  return h('label', { class: 'check' }, box, ' ', label);
}

async function start() {
  mount(root,
    h('header', { class: 'topbar' }, h('span', { class: 'brand' }, t('mapTitle')), countEl),
    h('div', { class: 'intro muted' }, t('mapSubtitle')),
    chips,
    h('div', { class: 'toolbar' }, nearestButton,
      layerToggle(t('layerPairings'), pairings.layer, 'toggle-pairings'),
      layerToggle(t('layerStreets'), streets, 'toggle-streets')),
    mapEl,
    panel);
  renderChips();
  map = await createMap({ target: mapEl, layers: [...baseLayers(), streets, pairings.layer, stations.layer, here], zoom: 12 });
  map.on('singleclick', (event) => {
    const hit = map.forEachFeatureAtPixel(event.pixel, (f, layer) => ({ item: f.get('item'), layer }), { hitTolerance: 6 });
    if (!hit?.item) return;
    if (hit.layer === stations.layer) {
      focus(stations, hit.item);
      mount(panel, stationCard(hit.item));
    } else if (hit.layer === pairings.layer) {
      mount(panel, pairingCard(hit.item));
    }
  });
  await Promise.all([loadStations(), loadPairings()]);
}

start();
