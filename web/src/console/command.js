// What the signed-in user commands (市 · 区 · 街道), loaded once after login: the console's header, the
// map's first view, and which case actions show (the server checks every one of them again).

import { api } from '../shared/api.js';

const RANK = { street: 0, district: 1, city: 2 };
let current = null;

export async function loadCommand() {
  current = await api.get('/api/v1/console/command');
  return current;
}

export function myCommand() {
  return current;
}

/** How the caller stands to a case: 'commands' (acts on it), 'above' (may take it over), 'below' or 'read'. */
export function relation(c) {
  if (!current?.may_act) return 'read';
  if (c.command_level === current.level) return 'commands';
  return RANK[current.level] > RANK[c.command_level] ? 'above' : 'below';
}

/** The levels a case the caller commands may be escalated to (上报), lowest first. */
export function escalationTargets(c) {
  if (!current) return [];
  return ['district', 'city'].filter((level) => RANK[level] > RANK[current.level] && (level !== 'district' || c.district_code));
}
