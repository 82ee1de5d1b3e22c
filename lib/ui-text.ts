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
} as const satisfies Record<string, Record<UiLang, string>>;

export type UiKey = keyof typeof UI;

export function t(lang: UiLang, key: UiKey): string {
  return UI[key][lang];
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
