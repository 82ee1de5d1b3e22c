// The interface's own words in both languages (lesson text lives with the lessons).
export type UiLang = "zh" | "en";

export const UI = {
  product: { zh: "Go 微服务实验室", en: "Go Microservices Playground" },
  chapter: { zh: "第 16 章 · 微服务架构与 Go", en: "Chapter 16 · Microservices architecture with Go" },
  lessons: { zh: "课程", en: "Lessons" },
  allLessons: { zh: "全部课程", en: "All lessons" },
  toggleSidebar: { zh: "显示或隐藏课程列表", en: "Show or hide the lesson list" },
  language: { zh: "界面语言", en: "Language" },
  themeToDark: { zh: "切换到深色主题", en: "Switch to the dark theme" },
  themeToLight: { zh: "切换到浅色主题", en: "Switch to the light theme" },
  services: { zh: "个服务", en: "services" },
  noServices: { zh: "纯阅读", en: "Reading only" },
  previous: { zh: "上一课", en: "Previous" },
  next: { zh: "下一课", en: "Next" },
  start: { zh: "开始学习", en: "Start" },
  intro: {
    zh: "边读边改：每一课都带着可以运行的 Go 服务。修改代码，按“运行”，在容器里构建并启动它们，再向它们发送请求。",
    en: "Read, edit, run: every lesson comes with Go services you can change, build and start in containers, then send requests to.",
  },
  run: { zh: "运行", en: "Run" },
  runAgain: { zh: "重新运行", en: "Run again" },
  runHint: { zh: "运行（Ctrl/⌘ + Enter）", en: "Run (Ctrl/⌘ + Enter)" },
  stop: { zh: "停止", en: "Stop" },
  reset: { zh: "还原", en: "Reset" },
  resetHint: { zh: "把全部文件还原为课程原样", en: "Restore every file to the lesson's original" },
  resetConfirm: {
    zh: "把本课的全部文件还原为原样吗？你的修改会丢失。",
    en: "Restore every file of this lesson to its original? Your edits will be lost.",
  },
  modified: { zh: "已修改", en: "modified" },
  changes: { zh: "改动", en: "Changes" },
  changesHint: {
    zh: "把这个文件的改动和课程原文并排对照（右侧仍可编辑）",
    en: "Show this file's edits beside the lesson's original (the right side stays editable)",
  },
  noChangesHint: { zh: "这个文件还没有改动", en: "This file has no edits yet" },
  files: { zh: "文件", en: "Files" },
  terminals: { zh: "服务终端", en: "Service terminals" },
  pressRun: { zh: "按“运行”构建并启动本课的服务。", en: "Press Run to build and start this lesson's services." },
  connecting: { zh: "正在连接服务器…", en: "Connecting to the server…" },
  disconnected: { zh: "与服务器的连接已断开，正在重连…", en: "Lost the connection to the server; reconnecting…" },
  engineDown: { zh: "Docker 引擎不可用", en: "The Docker Engine is not reachable" },
  engineDownBody: {
    zh: "课程可以照常阅读和编辑，但暂时不能运行服务。",
    en: "You can still read and edit the lessons, but services cannot run until it is back.",
  },
  howToFix: { zh: "解决办法", en: "How to fix" },
  imagePreparing: {
    zh: "正在准备沙箱镜像（只有第一次需要几分钟）",
    en: "Preparing the sandbox image (a few minutes, first time only)",
  },
  imageFailed: { zh: "沙箱镜像构建失败", en: "The sandbox image could not be built" },
  queued: { zh: "排队中，位置", en: "Waiting in the queue, position" },
  requests: { zh: "发送请求", en: "Requests" },
  service: { zh: "服务", en: "Service" },
  method: { zh: "方法", en: "Method" },
  path: { zh: "路径", en: "Path" },
  headers: { zh: "请求头（每行一个 Name: value）", en: "Headers (one Name: value per line)" },
  body: { zh: "请求体", en: "Body" },
  send: { zh: "发送", en: "Send" },
  sendRequest: { zh: "发送请求", en: "Send request" },
  presets: { zh: "课程建议的请求", en: "Suggested requests" },
  response: { zh: "响应", en: "Response" },
  headersTab: { zh: "响应头", en: "Headers" },
  noResponse: {
    zh: "服务运行后，在这里发送请求并查看回答。",
    en: "Once a service runs, send it requests here and see the answers.",
  },
  notRunning: { zh: "未运行", en: "not running" },
  grpcOnly: { zh: "这是 gRPC 服务，请求面板只发送 HTTP。", en: "This is a gRPC service; this panel sends HTTP only." },
  truncated: { zh: "（响应体过长，已截断）", en: "(body truncated)" },
  allServices: { zh: "全部服务", en: "All services" },
  logTools: { zh: "日志工具", en: "log tools" },
  pause: { zh: "暂停", en: "Pause" },
  follow: { zh: "跟随", en: "Follow" },
  pauseHint: { zh: "停止自动滚动（新行照常接收）", en: "Stop scrolling with new output (lines keep arriving)" },
  followHint: { zh: "回到最新输出并继续自动滚动", en: "Jump to the newest output and keep scrolling with it" },
  newLines: { zh: "行新输出", en: "new lines" },
  searchLogs: { zh: "搜索日志", en: "Search logs" },
  noMatches: { zh: "无匹配", en: "no matches" },
  previousMatch: { zh: "上一个匹配", en: "Previous match" },
  nextMatch: { zh: "下一个匹配", en: "Next match" },
  linesDropped: { zh: "行被丢弃", en: "lines dropped" },
  droppedHint: {
    zh: "输出太快，页面跟不上，服务器少发了这些行（服务本身不受影响）。",
    en: "Output came faster than this page could show it, so the server skipped these lines (the service was not slowed).",
  },
  clearPane: { zh: "清空此窗格", en: "Clear this pane" },
  downloadLogs: { zh: "下载日志", en: "Logs" },
  restartShort: { zh: "重启", en: "Restart" },
  stopService: { zh: "停止 {name}", en: "Stop {name}" },
  stopServiceHint: {
    zh: "只停止这一个服务（先发 SIGTERM，宽限期后 SIGKILL），其他服务照常运行：看看它们如何应对",
    en: "Stop only this service (SIGTERM, then SIGKILL after a grace period); the others keep running, so you see how they cope",
  },
  restartService: { zh: "重启 {name}", en: "Restart {name}" },
  restartServiceHint: {
    zh: "用本次运行的文件重新启动这个服务（之后的修改请按“运行”生效）",
    en: "Start this service again with this Run's files (press Run to apply later edits)",
  },
  downloadLogsHint: {
    zh: "把本次运行的日志（全部服务）下载为文本文件",
    en: "Download this run's logs (all services) as a text file",
  },
  headersShort: { zh: "请求头", en: "Headers" },
  sendHeader: { zh: "发送请求头", en: "Send header" },
  headerName: { zh: "请求头名称", en: "Header name" },
  headerValue: { zh: "请求头的值", en: "Header value" },
  removeHeader: { zh: "删除请求头", en: "Remove header" },
  addHeader: { zh: "添加请求头", en: "Add header" },
  invalidJson: { zh: "JSON 无效", en: "invalid JSON" },
  formatJson: { zh: "格式化", en: "Format" },
  copyCurlHint: {
    zh: "复制为 curl 命令（访问服务在 127.0.0.1 上的端口）",
    en: "Copy as a curl command (to the service's port on 127.0.0.1)",
  },
  copied: { zh: "已复制：", en: "Copied:" },
  copyByHand: { zh: "请手动复制：", en: "Copy by hand:" },
  history: { zh: "历史", en: "History" },
  noHistory: { zh: "发送过的请求会出现在这里（最近 20 条）。", en: "Requests you send appear here (the last 20)." },
  reloadRequest: { zh: "载入到表单", en: "Load into the form" },
  tokenFound: { zh: "响应里有令牌。", en: "The answer carries a token." },
  useToken: { zh: "用作 Authorization: Bearer", en: "Use as Authorization: Bearer" },
  tokenInHeaders: { zh: "已在请求头中", en: "in the headers" },
  dismiss: { zh: "关闭", en: "Dismiss" },
  problems: { zh: "个编译错误", en: "compiler errors" },
  stage_idle: { zh: "未运行", en: "idle" },
  stage_queued: { zh: "排队", en: "queued" },
  stage_building: { zh: "构建中", en: "building" },
  stage_starting: { zh: "启动中", en: "starting" },
  stage_running: { zh: "运行中", en: "running" },
  stage_failed: { zh: "失败", en: "failed" },
  stage_stopped: { zh: "已停止", en: "stopped" },
  notFound: { zh: "没有这一课。", en: "There is no such lesson." },
  backHome: { zh: "返回课程列表", en: "Back to the lessons" },
  editorLoading: { zh: "正在加载编辑器…", en: "Loading the editor…" },
  sendLive: { zh: "发送到运行中的服务", en: "Send to running service" },
  sendLiveHint: {
    zh: "把这个文件写入正在运行的容器，服务会自己重新读取（Ctrl/⌘ + S）",
    en: "Write this file into the running container; the service re-reads it by itself (Ctrl/⌘ + S)",
  },
  liveSending: { zh: "正在发送 {file}…", en: "Sending {file}…" },
  liveSent: {
    zh: "{file} 已写入运行中的 {services}，无需重启：请看它的终端",
    en: "{file} sent to the running {services}, no restart: watch its terminal",
  },
  liveUnchanged: {
    zh: "{file} 没有变化：运行中的 {services} 已经是这个版本",
    en: "{file} is unchanged: the running {services} already has it",
  },
  liveNotRunning: {
    zh: "已保存在本浏览器。{services} 运行时会自动重新读取 {file}：先按“运行”",
    en: "Saved in this browser. {services} re-reads {file} while it runs: press Run first",
  },
  savedLocally: {
    zh: "已保存在本浏览器。{file} 只在启动时读取：按“运行”使修改生效",
    en: "Saved in this browser. {file} is read at start-up: press Run to apply it",
  },
  progressTitle: { zh: "你的进度", en: "Your progress" },
  progressIntro: {
    zh: "记录在这个浏览器里：你运行过哪些课程、发送过哪些建议的请求、是否改过代码。",
    en: "Kept in this browser: which lessons you ran, which suggested requests you sent, whether you changed the code.",
  },
  progressRequestsSent: { zh: "个请求", en: "requests sent" },
  progressRequests: { zh: "建议的请求", en: "suggested requests" },
  progressEdited: { zh: "改过代码", en: "edited" },
  progressNotEdited: { zh: "未改代码", en: "not edited" },
  progressLastRun: { zh: "最近运行", en: "last run" },
  progressNever: { zh: "尚未运行", en: "not run yet" },
  progressReadOnly: { zh: "纯阅读，无需运行", en: "reading only, nothing to run" },
  nextRun: { zh: "下一步：打开这一课，按“运行”。", en: "Next: open it and press Run." },
  nextRequest: {
    zh: "下一步：从“课程建议的请求”里选一个发送，看看响应。",
    en: "Next: pick one of the suggested requests, send it and read the answer.",
  },
  nextMoreRequests: { zh: "下一步：把其余建议的请求也试一遍。", en: "Next: try the rest of the suggested requests." },
  nextEdit: {
    zh: "下一步：改一处代码（比如一条消息或一个超时），再运行，看看有什么不同。",
    en: "Next: change something in the code (a message, a timeout), run again and see what differs.",
  },
  ranMark: { zh: "已运行过", en: "You ran this lesson" },
} as const satisfies Record<string, Record<UiLang, string>>;

export type UiKey = keyof typeof UI;

export function t(lang: UiLang, key: UiKey): string {
  return UI[key][lang];
}

/** A text with {name} holes filled in. */
export function tf(lang: UiLang, key: UiKey, values: Record<string, string>): string {
  return t(lang, key).replace(/\{(\w+)\}/g, (hole, name: string) => values[name] ?? hole);
}

/** Chapter sections, for grouping lessons (the chapter's own headings, in our words). */
export const SECTIONS: Record<string, { zh: string; en: string }> = {
  "16.1": { zh: "微服务架构概述", en: "Microservices at a glance" },
  "16.2": { zh: "Go 微服务框架", en: "Go microservice frameworks" },
  "16.3": { zh: "服务注册与发现", en: "Service registration and discovery" },
  "16.4": { zh: "服务间通信", en: "Communication between services" },
  "16.5": { zh: "配置管理", en: "Configuration management" },
  "16.6": { zh: "监控与追踪", en: "Monitoring and tracing" },
  "16.7": { zh: "微服务安全", en: "Security" },
  "16.8": { zh: "部署与运维", en: "Deployment and operations" },
  "16.9": { zh: "最佳实践", en: "Best practices" },
  "16.10": { zh: "总结", en: "Summary" },
};

/** "16.4.2" → "16.4". */
export function majorSection(section: string): string {
  return section.split(".").slice(0, 2).join(".");
}
