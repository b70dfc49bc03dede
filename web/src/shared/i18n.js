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
  tabTasks: '核查任务',
  tabPoints: '我的积分',
  pointsEmpty: '还没有积分记录',
  pointsBalance: '可用积分',
  pointsEarned: '累计获得',
  pointsSpent: '已兑换',
  entry_report_verified: '上报核实',
  entry_activity: '志愿活动',
  entry_project: '服务项目',
  entry_redemption: '积分兑换',
  entry_reversal: '积分冲减',
  tasksEmpty: '没有待核查的任务',
  taskResult: '处置结果',
  taskReasonPlaceholder: '核查说明（不通过时必填）',
  taskNeedReason: '不通过时请填写原因',
  taskFail: '不通过（返工）',
  taskResultPhotos: '处置照片',
  taskPhotos: '核查照片（现场拍摄）',
  taskNeedPhoto: '请先拍摄现场核查照片',
  taskSending: '正在提交…',
  taskUnits: '各单位处置结果（逐一核查）',
  taskPassUnit: '通过',
  taskFailUnit: '不通过（返工）',
  taskUnitReasonPlaceholder: '不通过的原因',
  taskNeedUnitReason: '请填写「{unit}」不通过的原因',
  taskNotePlaceholder: '核查说明（选填）',
  taskSubmit: '提交核查结果',
  outcome_pending: '待核查',
  outcome_passed: '核查通过',
  outcome_failed: '不通过，已返工',
  outcome_cancelled: '已撤回',

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
  status_reported: '待研判',
  status_on_hold: '挂账',
  status_checked_in: '已报到',
  status_extension_requested: '申请延期',
  status_sent_back: '已退回',
  status_withdrawn: '已撤回',
  status_pending: '待研判',
  status_triage: '待研判',
  status_filed: '已立案',
  status_dispatched: '已派遣',
  status_in_progress: '处置中',
  status_handled: '已处置',
  status_verifying: '核查中',
  status_closed: '已结案',
  status_voided: '已作废',
  status_merged: '已合并',
  status_rejected: '不予受理',
  unrouted: '未能定位到网格',

  // public map
  mapSubtitle: '为快递员、外卖骑手等新就业群体提供喝水、充电、如厕、休息',
  svc_drinking_water: '饮水',
  svc_charging: '充电',
  svc_toilet: '如厕',
  svc_rest: '休息',
  svc_microwave: '微波炉',
  svc_heating: '取暖',
  findNearest: '找最近的开放驿站',
  nearestTitle: '离你最近的开放驿站',
  nearestNone: '附近没有符合条件的开放驿站',
  openNow: '营业中',
  closedNow: '休息中',
  alwaysOpen: '24 小时开放',
  openingHours: '开放时间',
  services: '服务',
  operator: '运营方',
  address: '地址',
  distance: '距离 {distance}',
  layerStations: '驿站',
  layerPairings: '包联点位',
  layerStreets: '暖新商街',
  pairingTitle: '包联点位',
  pairingUnit: '包联单位',
  pairingCommunity: '社区',
  firstSecretary: '第一书记',
  liaison: '联络员',
  projects: '共建项目',
  stationCount: '共 {count} 个驿站',
  stationsFailed: '驿站加载失败：{message}',
  demoData: '演示数据',
  day_mon: '周一',
  day_tue: '周二',
  day_wed: '周三',
  day_thu: '周四',
  day_fri: '周五',
  day_sat: '周六',
  day_sun: '周日',

  // console
  tabTriage: '研判队列',
  tabCases: '案卷',
  tabBoard: '督办看板',
  tabIndicators: '综合评价',
  liveOn: '实时',
  liveOff: '实时连接中断，重连中',
  newReport: '新上报',
  turnedRed: '案卷 {number} {clock}超时',
  triageEmpty: '没有待研判的上报',
  casesEmpty: '没有案卷',
  boardEmpty: '没有在办的派遣',
  allStreets: '全部街道',
  allCategories: '全部类别',
  allStates: '全部状态',
  flaggedOnly: '只看有疑点的',
  orderNewest: '最新在前',
  orderOldest: '最早在前',
  loadMore: '加载更多',
  back: '返回',
  reportedAt: '上报时间',
  place: '位置',
  flags: '疑点',
  photosOfReport: '现场照片',
  resultPhotos: '处置照片',
  rejectReason: '理由（为何属本单位职责）',
  assignVerifier: '指派核查',
  verifier: '核查网格员',
  noVerifier: '本社区没有可指派的网格员',
  verifierWhy_responsible_grid: '责任网格',
  verifierWhy_same_community: '同社区',
  verifierWhy_reporter: '上报人',
  sendBackReason: '退回理由',
  extensionAsked: '申请延期 {amount} {unit}：{reason}',
  limitUnit_urgent_hours: '紧急工作时',
  limitUnit_work_hours: '工作时',
  limitUnit_work_days: '工作日',
  limitUnit_natural_days: '自然日',
  limitText: '{amount}{unit}',
  limitCustom: '（自定）',
  limitFieldCheckIn: '报到时限（留空按类别：{limit}）',
  limitFieldHandling: '处置时限（留空按类别：{limit}）',
  limitUnitField: '时限单位',
  limitPlaceholder: '如 2 或 1.5',
  act_reassign: '改派',
  withdrawReason: '撤回原因',
  reassignTo: '改派给',
  reassignReason: '改派原因',
  withdrawnBecause: '已撤回：{reason}',
  reassignedFrom: '改派自 {unit}',
  verificationPhotos: '核查照片',
  noPhotos: '没有照片',
  actFile: '立案',
  actVoid: '作废',
  actMerge: '合并',
  actDispatch: '吹哨派遣',
  actHold: '挂账',
  actResume: '恢复',
  actClose: '直接结案',
  fileCategory: '类别（如需更正）',
  note: '说明',
  voidReason: '作废原因',
  mergeInto: '合并到案卷号',
  mergeUnknownCase: '没有案卷号 {number}',
  suggestedUnits: '派遣单位（可多选：联合执法）',
  suggestionTrace: '推荐依据',
  noSuggestion: '没有推荐单位，请人工指定',
  dispatchDone: '已吹哨派遣到 {count} 个单位',
  actionDone: '操作成功',
  actionFailed: '操作失败：{message}',
  caseTitle: '案卷 {number}',
  dispatches: '派遣',
  events: '处置记录',
  checkInClock: '报到时限',
  handlingClock: '处置时限',
  deadline: '截止 {time}',
  colour_green: '正常',
  colour_yellow: '临近',
  colour_red: '超时',
  clock_check_in: '报到',
  clock_handling: '处置',
  unit: '单位',
  state: '状态',
  category: '问题类别',
  street: '街道',
  groupBy: '统计口径',
  group_unit: '按单位',
  group_kind: '按部门',
  group_street: '按街道',
  group_district: '按区县',
  period30: '近 30 天',
  exportCsv: '导出 CSV',
  ind_reported: '上报数',
  ind_filed: '立案数',
  ind_dispatched: '派遣数',
  ind_accurate_dispatch_rate: '派遣准确率',
  ind_on_time_check_in_rate: '按时报到率',
  ind_on_time_handling_rate: '按期处置率',
  ind_closure_rate: '结案率',
  ind_on_time_closure_rate: '按期结案率',
  ind_rework_rate: '返工率',
  ind_mean_handling_hours: '平均处置时长（小时）',
  flag_photo_reused: '照片重复使用',
  flag_photo_before_result: '核查照片早于处置',
  flag_photo_far_from_case: '核查照片不在现场',
  flag_exif_time_old: '照片拍摄时间过早',
  flag_exif_far_from_device: '照片位置与定位相距过远',
  flag_exif_positions_disagree: '照片之间拍摄位置不一致',
  flag_low_accuracy: '定位精度差',
  flag_unrouted: '未能定位到网格',
  flag_outside_city: '位置不在本市范围内',
  flag_near_duplicate: '附近已有同类上报',
  flag_snapped: '定位在网格间隙，已就近归属',
  role_primary: '主办',
  role_joint: '协办',
  role_street_team: '街道执法队',
  role_manual: '人工指定',
  act_file: '立案',
  act_void: '作废',
  act_merge: '合并',
  act_dispatch: '派遣',
  act_hold: '挂账',
  act_resume: '恢复',
  act_close: '结案',
  act_check_in: '报到',
  act_submit_result: '处置反馈',
  act_request_extension: '申请延期',
  act_grant_extension: '批准延期',
  act_deny_extension: '驳回延期',
  act_send_back: '退回',
  act_reject_send_back: '退回不成立',
  act_start_verification: '开始核查',
  act_verify_pass: '核查通过',
  act_verify_fail: '核查不通过（返工）',
  act_withdraw: '撤回',
};

/** Translate a key, filling {placeholders} from vars. Unknown keys come back unchanged (visible in tests). */
export function t(key, vars = {}) {
  const text = zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Label of a server status code, falling back to the code itself. */
export function statusLabel(status) {
  return labelOf('status', status);
}

/** Label of a coded value: labelOf('flag', 'photo_reused') → 照片重复使用; unknown codes come back as they are. */
export function labelOf(kind, code) {
  const key = `${kind}_${code}`;
  return key in zh ? zh[key] : String(code);
}

/** A dispatch's time limit as the screens show it: "2工作时", "0.5紧急工作时（自定）". */
export function formatLimit(limit) {
  if (!limit) return '';
  const amount = Number.isFinite(Number(limit.amount)) ? String(Number(limit.amount)) : limit.amount;  // "2.00" → "2"
  const text = t('limitText', { amount, unit: labelOf('limitUnit', limit.unit) });
  return limit.custom ? `${text}${t('limitCustom')}` : text;
}

export function formatPercent(value) {
  if (value === null || value === undefined) return '—';
  return `${(Number(value) * 100).toFixed(1)}%`;
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
