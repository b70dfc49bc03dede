// The console map: our own district/street/grid layers (vector tiles) as the base, the reports on top,
// coloured by state, and the selected report highlighted.

import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import { Circle, Fill, RegularShape, Stroke, Style, Text } from 'ol/style.js';
import { getToken } from '../shared/auth.js';
import { createMap, fromLonLat, ourTileLayer, toLonLat } from '../shared/map.js';

export const STATE_COLOURS = {
  reported: '#ef6c00',
  filed: '#1565c0',
  dispatched: '#6a1b9a',
  checked_in: '#00838f',
  handled: '#2e7d32',
  verifying: '#558b2f',
  closed: '#9e9e9e',
  voided: '#bdbdbd',
  red: '#c62828',
  yellow: '#f9a825',
  green: '#2e7d32',
};

// A case under supervision (督办) is drawn as a star with a dark ring, whatever its colour.
export const SUPERVISED_RING = '#4a148c';

const styleCache = new Map();
function pointStyle(colour, selected, supervised = false) {
  const key = `${colour}:${selected}:${supervised}`;
  if (!styleCache.has(key)) {
    const stroke = new Stroke({ color: selected ? '#000' : supervised ? SUPERVISED_RING : '#fff', width: selected ? 3 : supervised ? 2.5 : 1.5 });
    const image = supervised
      ? new RegularShape({ points: 5, radius: selected ? 13 : 10, radius2: selected ? 6 : 4.5, fill: new Fill({ color: colour }), stroke })
      : new Circle({ radius: selected ? 10 : 6, fill: new Fill({ color: colour }), stroke });
    styleCache.set(key, new Style({ image, zIndex: selected ? 10 : supervised ? 5 : 1 }));
  }
  return styleCache.get(key);
}

const pickedStyle = new Style({
  image: new Circle({ radius: 9, fill: new Fill({ color: 'rgba(198,40,40,0.25)' }), stroke: new Stroke({ color: '#c62828', width: 3 }) }),
  zIndex: 20,
});

/**
 * The staff report layer from /tiles/reports: single reports coloured by SLA (open dispatches) or state
 * when zoomed in; at city zooms one circle per grid/community/street, sized by count, coloured by its
 * worst clock (any red → red, any yellow → yellow).
 */
export function reportTileStyle(feature) {
  const props = feature.getProperties();
  if (props.level) {
    const colour = props.red > 0 ? STATE_COLOURS.red : props.yellow > 0 ? STATE_COLOURS.yellow : props.reported > 0 ? STATE_COLOURS.reported : STATE_COLOURS.filed;
    return new Style({
      image: new Circle({ radius: 8 + Math.min(18, Math.sqrt(props.total) * 2), fill: new Fill({ color: `${colour}cc` }), stroke: new Stroke({ color: '#fff', width: 1.5 }) }),
      text: new Text({ text: String(props.total), fill: new Fill({ color: '#fff' }), font: '600 12px system-ui, sans-serif' }),
    });
  }
  return pointStyle(STATE_COLOURS[props.colour] || STATE_COLOURS[props.state] || '#546e7a', false, Boolean(props.supervised));
}

const outline = (colour, width) => new Style({ stroke: new Stroke({ color: colour, width }), fill: new Fill({ color: 'rgba(255,255,255,0)' }) });

export class MapPanel {
  /** `reports`: draw the staff report tiles (the command center); a supervising office sees its own cases only. */
  constructor(target, { onSelect, reports = true }) {
    this.target = target;
    this.onSelect = onSelect;
    this.withReports = reports;
    this.selectedId = null;
    this.picking = null;
    this.source = new VectorSource();
    this.layer = new VectorLayer({
      source: this.source,
      style: (feature) => pointStyle(feature.get('colour'), feature.getId() === this.selectedId, Boolean(feature.get('item')?.supervision)),
    });
    this.pickedSource = new VectorSource();
    this.pickedLayer = new VectorLayer({ source: this.pickedSource, style: pickedStyle });
  }

  async start() {
    const base = [
      ourTileLayer('districts', { style: outline('#5d4037', 2) }),
      ourTileLayer('streets', { style: outline('#8d6e63', 1.2), minZoom: 10 }),
      ourTileLayer('grids', { style: outline('rgba(120,144,156,0.7)', 0.6), minZoom: 14 }),
    ];
    // Reports: the role-aware tile layer (exact positions and SLA colours for the command center).
    this.reportTiles = this.withReports
      ? ourTileLayer('reports', { style: reportTileStyle, headers: () => ({ Authorization: `Bearer ${getToken()}` }) })
      : null;
    const layers = [...base, this.reportTiles, this.layer, this.pickedLayer].filter(Boolean);
    this.map = await createMap({ target: this.target, layers, zoom: 12 });
    this.map.on('singleclick', (event) => {
      if (this.picking) {
        const [lon, lat] = toLonLat(event.coordinate);
        const done = this.picking;
        this.stopPicking();
        this.showPicked([lon, lat]);
        done([lon, lat]);
        return;
      }
      const hit = this.map.forEachFeatureAtPixel(event.pixel, (f) => f, { layerFilter: (l) => l === this.layer, hitTolerance: 6 });
      if (hit) this.onSelect?.(hit.get('item'));
    });
    return this.map;
  }

  /** Show items [{id, lon, lat, state|colour}] as points. */
  setItems(items) {
    this.target.dataset.reports = String(items.length);
    this.source.clear();
    this.source.addFeatures(items.filter((i) => Number.isFinite(i.lon) && Number.isFinite(i.lat)).map((item) => {
      const feature = new Feature({ geometry: new Point(fromLonLat([item.lon, item.lat])), item, colour: item.colour || STATE_COLOURS[item.state] || '#546e7a' });
      feature.setId(item.id);
      return feature;
    }));
  }

  /** The next click on the map gives a position ([lon, lat], WGS-84) to `onPick` (新建案卷). */
  pick(onPick) {
    this.picking = onPick;
    this.target.dataset.picking = 'true';
    this.target.style.cursor = 'crosshair';
  }

  stopPicking() {
    this.picking = null;
    delete this.target.dataset.picking;
    this.target.style.cursor = '';
  }

  /** Mark a chosen position ([lon, lat]) on the map and centre on it; null clears the mark. */
  showPicked(lonLat) {
    this.pickedSource.clear();
    if (!lonLat) return;
    this.pickedSource.addFeature(new Feature({ geometry: new Point(fromLonLat(lonLat)) }));
    this.target.dataset.picked = lonLat.map((v) => v.toFixed(6)).join(',');
    this.map?.getView().animate({ center: fromLonLat(lonLat), duration: 300 });
  }

  /** Show a division: [west, south, east, north] in WGS-84. */
  fitTo(bbox) {
    const [west, south, east, north] = bbox;
    const [x0, y0] = fromLonLat([west, south]);
    const [x1, y1] = fromLonLat([east, north]);
    this.map?.getView().fit([x0, y0, x1, y1], { padding: [24, 24, 24, 24], maxZoom: 16 });
  }

  /** Reload the report tiles (after a state change or a new report from the live feed). */
  refreshReports() {
    this.reportTiles?.getSource().refresh();
  }

  select(id, { pan = true } = {}) {
    this.selectedId = id;
    this.layer.changed();
    const feature = id ? this.source.getFeatureById(id) : null;
    if (feature && pan && this.map) {
      // data-centered-on tells (people debugging, and the browser tests) which report the map is centred on.
      this.map.getView().animate({ center: feature.getGeometry().getCoordinates(), duration: 300 }, () => {
        this.target.dataset.centeredOn = id;
      });
    }
  }
}
