// Map layers of the public station map: stations (coloured open/closed), pairing points, and the
// warm-new commercial streets from our own vector tiles, over our own district/street outlines.

import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import { Circle, Fill, RegularShape, Stroke, Style } from 'ol/style.js';
import { fromLonLat, ourTileLayer } from '../shared/map.js';

const outline = (colour, width) => new Style({ stroke: new Stroke({ color: colour, width }) });

export function baseLayers() {
  return [
    ourTileLayer('districts', { style: outline('#8d6e63', 1.6) }),
    ourTileLayer('streets', { style: outline('rgba(141,110,99,0.55)', 0.8), minZoom: 10 }),
  ];
}

export function commercialStreetsLayer() {
  return ourTileLayer('commercial_streets', { style: new Style({ stroke: new Stroke({ color: '#e65100', width: 5 }) }) });
}

const stationStyles = {
  open: new Style({ image: new Circle({ radius: 7, fill: new Fill({ color: '#2e7d32' }), stroke: new Stroke({ color: '#fff', width: 2 }) }) }),
  closed: new Style({ image: new Circle({ radius: 6, fill: new Fill({ color: '#9e9e9e' }), stroke: new Stroke({ color: '#fff', width: 2 }) }) }),
  selected: new Style({ image: new Circle({ radius: 11, fill: new Fill({ color: '#c62828' }), stroke: new Stroke({ color: '#fff', width: 3 }) }), zIndex: 10 }),
};
const pairingStyle = new Style({
  image: new RegularShape({ points: 4, radius: 7, angle: Math.PI / 4, fill: new Fill({ color: '#1565c0' }), stroke: new Stroke({ color: '#fff', width: 1.5 }) }),
});

/** A vector layer of API items [{id, lon, lat, ...}] with a style function of (item, selected). */
export class PointLayer {
  constructor(style) {
    this.selectedId = null;
    this.source = new VectorSource();
    this.layer = new VectorLayer({ source: this.source, style: (f) => style(f.get('item'), f.getId() === this.selectedId) });
  }

  setItems(items) {
    this.source.clear();
    this.source.addFeatures(items.map((item) => {
      const feature = new Feature({ geometry: new Point(fromLonLat([item.lon, item.lat])), item });
      feature.setId(item.id);
      return feature;
    }));
  }

  select(id) {
    this.selectedId = id;
    this.layer.changed();
    return id ? this.source.getFeatureById(id) : null;
  }
}

export const stationLayer = () => new PointLayer((s, selected) => (selected ? stationStyles.selected : s.open_now ? stationStyles.open : stationStyles.closed));
export const pairingLayer = () => new PointLayer(() => pairingStyle);
