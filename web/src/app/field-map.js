// The case's position on a small map: our own street and grid outlines (the shared OpenLayers map), the
// case as a red dot and, once reported in, where the unit's phone was as a blue one. OpenLayers is
// loaded only when a case page opens (the reporter's screens never need it); when it cannot load
// (offline, before the chunk was ever fetched) the coordinates are shown instead.

import { h, mount } from '../shared/dom.js';
import { t } from '../shared/i18n.js';

async function draw(box, { lon, lat, mine }) {
  const [{ createMap, fromLonLat, ourTileLayer }, { default: Feature }, { default: Point }, { default: VectorLayer }, { default: VectorSource }, style] =
    await Promise.all([
      import('../shared/map.js'),
      import('ol/Feature.js'),
      import('ol/geom/Point.js'),
      import('ol/layer/Vector.js'),
      import('ol/source/Vector.js'),
      import('ol/style.js'),
    ]);
  const { Circle, Fill, Stroke, Style } = style;
  const dot = (colour) => new Style({ image: new Circle({ radius: 8, fill: new Fill({ color: colour }), stroke: new Stroke({ color: '#fff', width: 2 }) }) });
  const outline = (colour, width) => new Style({ stroke: new Stroke({ color: colour, width }) });
  const caseFeature = new Feature(new Point(fromLonLat([lon, lat])));
  caseFeature.setStyle(dot('#c62828'));
  const features = [caseFeature];
  if (mine && Number.isFinite(mine.lon) && Number.isFinite(mine.lat)) {
    const phone = new Feature(new Point(fromLonLat([mine.lon, mine.lat])));
    phone.setStyle(dot('#1565c0'));
    features.push(phone);
  }
  const map = await createMap({
    target: box,
    center: [lon, lat],
    zoom: 16,
    layers: [
      ourTileLayer('streets', { style: outline('#8d6e63', 1.5) }),
      ourTileLayer('grids', { style: outline('rgba(120,144,156,0.8)', 0.8), minZoom: 14 }),
      new VectorLayer({ source: new VectorSource({ features }) }),
    ],
  });
  if (features.length > 1) {
    map.getView().fit(new VectorSource({ features }).getExtent(), { padding: [40, 40, 40, 40], maxZoom: 17 });
  }
  return map;
}

/** Draw the map into `box` (an empty element already on the page or about to be). */
export function showCaseMap(box, { lon, lat, mine = null }) {
  box.dataset.lon = String(lon);
  box.dataset.lat = String(lat);
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return;
  draw(box, { lon, lat, mine }).catch(() => {
    mount(box, h('div', { class: 'muted map-fallback' }, t('mapUnavailable', { lon: lon.toFixed(5), lat: lat.toFixed(5) })));
  });
}
