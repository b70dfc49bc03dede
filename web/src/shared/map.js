// The maps of the console and the public station map: OpenLayers on Canvas 2D (no WebGL needed).
// The base is our own vector layers (districts, streets, grids from /tiles/...); an outside base map
// is added only when the deployment configures one (WHISTLE_WEB__BASEMAP_URL, see /api/v1/web/config).

import 'ol/ol.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import MVT from 'ol/format/MVT.js';
import TileLayer from 'ol/layer/Tile.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import { fromLonLat, toLonLat } from 'ol/proj.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import XYZ from 'ol/source/XYZ.js';
import { api } from './api.js';

/** The centre of Jilin City's urban districts (WGS-84). */
export const JILIN_CENTER = [126.55, 43.84];

export { fromLonLat, toLonLat };

/** The deployment's map settings; no base map when the call fails. */
export async function webConfig() {
  try {
    return await api.get('/api/v1/web/config', { auth: false });
  } catch {
    return { basemap_url: null, basemap_attribution: '', basemap_max_zoom: 18 };
  }
}

/** A vector tile layer served by Whistle itself: /tiles/{layer}/{z}/{x}/{y}.mvt. */
export function ourTileLayer(layer, { style, minZoom, maxZoom, declutter = false, headers, className } = {}) {
  const source = new VectorTileSource({
    format: new MVT(),
    url: `/tiles/${layer}/{z}/{x}/{y}.mvt`,
    maxZoom: 16,
  });
  if (headers) {
    // Role-aware layers need the bearer token.
    source.setTileLoadFunction((tile, url) => {
      tile.setLoader((extent, resolution, projection) => {
        fetch(url, { headers: headers() })
          .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(String(r.status)))))
          .then((data) => {
            const format = tile.getFormat();
            tile.setFeatures(format.readFeatures(data, { extent, featureProjection: projection }));
          })
          .catch(() => tile.onError());
      });
    });
  }
  const vectorLayer = new VectorTileLayer({ source, style, minZoom, maxZoom, declutter, className });
  vectorLayer.set('whistleLayer', layer);
  return vectorLayer;
}

/** An outside raster base map (only when configured). */
export function basemapLayer(config) {
  if (!config?.basemap_url) return null;
  return new TileLayer({
    source: new XYZ({
      url: config.basemap_url,
      attributions: config.basemap_attribution || undefined,
      maxZoom: config.basemap_max_zoom,
      crossOrigin: 'anonymous',
    }),
  });
}

/** A map in `target`, centred on Jilin City, with the configured base map under `layers`. */
export async function createMap({ target, layers = [], center = JILIN_CENTER, zoom = 11 }) {
  const config = await webConfig();
  const base = basemapLayer(config);
  return new Map({
    target,
    layers: base ? [base, ...layers] : layers,
    controls: defaultControls({ attributionOptions: { collapsible: true } }).extend([new ScaleLine()]),
    view: new View({ center: fromLonLat(center), zoom, minZoom: 7, maxZoom: 19 }),
  });
}
