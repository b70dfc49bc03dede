// User-facing text of the three apps, in Simplified Chinese, and the formatting of dates and distances.

const zh = {
  appTitle: '吹哨 · 随手拍',
  consoleTitle: '吹哨 · 指挥中心',
  mapTitle: '暖新驿站地图',
  loading: '加载中…',
  retry: '重试',
  cancel: '取消',
  close: '关闭',
  delete: '删除',
  confirm: '确定',

  // login
  loginTitle: '登录',
  username: '账号',
  password: '密码',
  loginButton: '登录',
  loggingIn: '正在登录…',
  logout: '退出登录',
  loginFailed: '登录失败：{message}',
  sessionExpired: '登录已失效，请重新登录',
  roleNotAllowed: '此账号（{role}）不能使用本页面',

  // reporter app: tabs
  tabReport: '上报',
  tabMine: '我的上报',

  // photos
  photos: '照片',
  addPhotos: '拍照 / 选照片',
  photoCount: '{count}/{max} 张',
  photoLimit: '最多 {max} 张照片',
  removePhoto: '删除照片',
  needPhoto: '请至少拍一张照片',

  // location
  location: '位置',
  locating: '正在定位…',
  locationAccuracy: '精度 ±{accuracy} 米',
  locationUnavailable: '无法定位：{reason}',
  locationDenied: '未获得定位权限',
  locationTimeout: '定位超时',
  locationUnsupported: '此浏览器不支持定位',
  locationRetry: '重新定位',
  locationMissingHint: '没有定位也可以提交，指挥中心会根据照片位置或人工确定位置',
  locationRouted: '{street} · {community}',

  // category
  category: '问题类别',
  chooseCategory: '选择类别',
  searchCategory: '搜索类别，如“游商”“井盖”',
  noCategoryMatch: '没有匹配的类别',
  needCategory: '请选择问题类别',
  categoriesFailed: '类别加载失败：{message}',
  allMajors: '全部大类',

  // text
  description: '问题描述',
  descriptionPlaceholder: '简要描述现场情况（选填）',

  // nearby
  nearbyTitle: '附近 {radius} 米内已有 {count} 条同类上报，是同一个问题吗？',
  nearbyHint: '如果是同一个问题，可以不必重复上报',
  nearbyDistance: '{distance} 米',

  // submit
  submit: '提交上报',
  submitQueued: '已保存，正在发送',
  submitSaveFailed: '无法保存到本机：{message}',

  // sync state of one report
  syncPending: '待发送',
  syncSending: '发送中',
  syncSent: '已送达',
  syncFailed: '失败（{reason}）',
  syncNextTry: '{seconds} 秒后重试',
  syncWaitingLogin: '等待重新登录',
  syncOffline: '网络不可用',
  outboxCount: '{count} 条待发送',
  outboxTitle: '本机待发送',

  // my reports
  mineEmpty: '还没有上报',
  mineFailed: '加载失败：{message}',
  refresh: '刷新',
  offlineBanner: '当前离线：上报会保存在本机，联网后自动发送',

  // report statuses (server side)
  status_received: '已接收',
  status_pending: '待研判',
  status_triage: '待研判',
  status_filed: '已立案',
  status_dispatched: '已派遣',
  status_in_progress: '处置中',
  status_handled: '已处置',
  status_verifying: '待核查',
  status_closed: '已结案',
  status_voided: '已作废',
  status_merged: '已合并',
  status_rejected: '不予受理',
  unrouted: '未能定位到网格',
};

/** Translate a key, filling {placeholders} from vars. Unknown keys come back unchanged (visible in tests). */
export function t(key, vars = {}) {
  const text = zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Label of a server status code, falling back to the code itself. */
export function statusLabel(status) {
  const key = `status_${status}`;
  return key in zh ? zh[key] : status;
}

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

export function formatMeters(value) {
  if (value === null || value === undefined) return '';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} 公里` : `${Math.round(value)} 米`;
}
