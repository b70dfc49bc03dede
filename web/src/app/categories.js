// The category list, fetched from the server and remembered on the phone so the form works offline.

import { api } from '../shared/api.js';

const KEY = 'whistle.categories';

export function cachedCategories() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

export async function fetchCategories() {
  const categories = await api.get('/api/v1/categories');
  localStorage.setItem(KEY, JSON.stringify(categories));
  return categories;
}
