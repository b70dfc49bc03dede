// Names for codes the console shows: categories (from the API, cached) and units met along the way.

import { api } from '../shared/api.js';

const categories = new Map();
const units = new Map();

export async function loadCategories() {
  try {
    const list = await api.get('/api/v1/categories');
    for (const c of list) categories.set(c.code, c);
  } catch {
    // The console still works with bare codes.
  }
  return [...categories.values()];
}

export function categoryName(code) {
  const c = categories.get(code);
  return c ? `${c.major_name} › ${c.name}` : code;
}

export function allCategories() {
  return [...categories.values()];
}

/** Every active department unit, so dispatches show the unit's name. */
export async function loadUnits() {
  try {
    for (const unit of await api.getAll('/api/v1/units')) rememberUnit(unit);
  } catch {
    // Names fall back to the id's first characters.
  }
}

export function rememberUnit(unit) {
  if (unit?.id && unit.name) units.set(unit.id, unit);
}

export function unitName(id) {
  return units.get(id)?.name ?? String(id).slice(0, 8);
}

/** Every unit met so far (all of them once `loadUnits` ran), by name: the choices of a reassignment. */
export function knownUnits() {
  return [...units.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
}

/** A category's default limits ({report_in_limit, handling_limit}), when the categories are loaded. */
export function categoryOf(code) {
  return categories.get(code) ?? null;
}
