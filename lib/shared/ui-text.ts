// The interface's own words in both languages, Chinese first (lesson text lives with the lessons): one table per
// feature, one typed `t()` over all of them. Components hold no words of their own, only data.
export type UiLang = "zh" | "en";

/** Words every page and the workspace share. */
const BASE = {
  product: { zh: "Go 微服务演练场", en: "Go Microservices Playground" },
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
  readOnlySource: {
    zh: "只读：模块或标准库的源码（由 gopls 的“转到定义”打开）",
    en: "Read-only: a module's or the standard library's source (opened by gopls's Go to Definition)",
  },
  closeSource: { zh: "关闭只读源码", en: "Close the read-only source" },
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
  clusterStarting: {
    zh: "Kubernetes 集群正在准备（第一次要编译，约 20 分钟；之后约 40 秒），就绪后即可运行本课",
    en: "The Kubernetes cluster is being prepared (the first time compiles it, ~20 min; later ~40 s); this lesson runs once it is ready",
  },
  clusterAbsent: {
    zh: "本课运行在真实的 Kubernetes 集群上，而集群还没有启动",
    en: "This lesson runs on a real Kubernetes cluster, and the cluster is not running",
  },
  clusterNeeded: { zh: "等待 Kubernetes 集群就绪", en: "Waiting for the Kubernetes cluster" },
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
  heroTitle: { zh: "在浏览器里动手学 Go 微服务", en: "Learn Go microservices by running them" },
  lessonPages: { zh: "上一课和下一课", en: "Lesson pages" },
  workspace: { zh: "工作区", en: "Workspace" },
  resizeEditor: { zh: "调整编辑器高度", en: "Resize editor" },
  resizeRequests: { zh: "调整请求面板宽度", en: "Resize request panel" },
  resizeLesson: { zh: "调整课文宽度", en: "Resize lesson text" },
  serviceOutput: { zh: "{name} 的输出", en: "{name} output" },
  responseStatus: { zh: "响应状态", en: "Response status" },
  responseBody: { zh: "响应体", en: "Response body" },
  responseHeaders: { zh: "响应头", en: "Response headers" },
  headerNamePlaceholder: { zh: "名称", en: "Name" },
  headerValuePlaceholder: { zh: "值", en: "value" },
  progressRunsCount: { zh: "运行 {n} 次", en: "{n} runs" },
  progressRunOnce: { zh: "运行 1 次", en: "1 run" },
  progressLessonsRun: { zh: "运行过的课程", en: "Lessons run" },
  progressCheckReading: { zh: "纯阅读", en: "reading only" },
  progressCheckRan: { zh: "已运行", en: "ran" },
  progressCheckNotRun: { zh: "未运行", en: "not run" },
} as const satisfies Texts;

/** The gRPC tab of the request panel. */
const GRPC = {
  tabHttp: { zh: "HTTP 请求", en: "HTTP" },
  tabGrpc: { zh: "gRPC 调用", en: "gRPC" },
  panel: { zh: "gRPC 调用", en: "gRPC calls" },
  service: { zh: "服务", en: "Service" },
  method: { zh: "方法", en: "Method" },
  refresh: { zh: "刷新", en: "Refresh" },
  refreshHint: {
    zh: "重新通过反射读取服务和方法",
    en: "Ask the server's reflection again for its services and methods",
  },
  call: { zh: "调用", en: "Call" },
  callHint: { zh: "调用所选方法", en: "Call the selected method" },
  request: { zh: "请求消息（JSON）", en: "Request message (JSON)" },
  template: { zh: "还原模板", en: "Reset to template" },
  fields: { zh: "字段", en: "Fields" },
  noFields: { zh: "（无字段）", en: "(no fields)" },
  loading: { zh: "正在通过服务器反射读取方法…", en: "Reading the methods through server reflection…" },
  notRunning: { zh: "未运行", en: "not running" },
  pressRun: {
    zh: "按“运行”启动服务后，这里会通过服务器反射列出它的 gRPC 方法。",
    en: "Once the service runs, its gRPC methods are listed here through server reflection.",
  },
  noGrpc: { zh: "本课没有 gRPC 服务。", en: "This lesson has no gRPC service." },
  noAnswer: {
    zh: "选择一个方法，编辑 JSON 请求，然后点“调用”。",
    en: "Pick a method, edit the JSON request, then press Call.",
  },
  stream: { zh: "流式，暂不支持", en: "streaming, not supported yet" },
  response: { zh: "响应消息", en: "Response" },
  metadata: { zh: "元数据", en: "Metadata" },
  headers: { zh: "响应头元数据", en: "Header metadata" },
  trailers: { zh: "尾部元数据", en: "Trailer metadata" },
  none: { zh: "（无）", en: "(none)" },
  via: { zh: "通过反射", en: "via reflection" },
  status: { zh: "gRPC 状态", en: "gRPC status" },
  responseBody: { zh: "gRPC 响应", en: "gRPC response" },
  metadataBody: { zh: "gRPC 元数据", en: "gRPC metadata" },
} as const satisfies Texts;

/** The traces panel: recent traces, the waterfall, the service map. */
const TRACES = {
  traces: { zh: "追踪", en: "Traces" },
  tracesList: { zh: "最近的 trace", en: "Recent traces" },
  waterfall: { zh: "瀑布图", en: "Waterfall" },
  empty: {
    zh: "还没有 span。向一个服务发请求，片刻之后它的 trace 就会出现在这里。",
    en: "No spans yet. Send a request to a service; its trace shows up here a moment later.",
  },
  waiting: { zh: "按“运行”启动服务，再发送请求。", en: "Press Run to start the services, then send a request." },
  spans: { zh: "个 span", en: "spans" },
  error: { zh: "个错误", en: "error" },
  errors: { zh: "个错误", en: "errors" },
  latest: { zh: "跟随最新", en: "Follow latest" },
  following: { zh: "正在跟随最新的 trace", en: "Following the latest trace" },
  missingParent: {
    zh: "父 span 不在本次运行里：它属于调用方（例如请求面板），或者还没到达",
    en: "parent span not here: it is the caller's (e.g. the request panel's), or not received yet",
  },
  service: { zh: "服务", en: "Service" },
  kind: { zh: "类型", en: "Kind" },
  status: { zh: "状态", en: "Status" },
  start: { zh: "开始于", en: "Starts at" },
  duration: { zh: "耗时", en: "Duration" },
  spanId: { zh: "span ID", en: "Span ID" },
  parent: { zh: "父 span", en: "Parent" },
  scope: { zh: "插桩库", en: "Instrumentation" },
  code: { zh: "代码位置", en: "Code" },
  openCode: { zh: "在编辑器中打开这一行", en: "Open this line in the editor" },
  attributes: { zh: "属性", en: "Attributes" },
  events: { zh: "事件", en: "Events" },
  none: { zh: "无", en: "none" },
  serviceMap: { zh: "服务地图", en: "Service map" },
  views: { zh: "追踪视图", en: "Trace views" },
  servicesWord: { zh: "个服务", en: "services" },
  call: { zh: "次调用", en: "call" },
  calls: { zh: "次调用", en: "calls" },
  mapNote: {
    zh: "本次运行中所有 trace 的汇总：箭头是服务之间的调用（调用方的 client span 加被调用方的 server span），标注调用次数、错误数和耗时中位数 p50。",
    en: "All traces of this run together: an arrow is a call between services (the caller's client span and the callee's server span), with its count, errors and median latency (p50).",
  },
  entryHint: {
    zh: "请求从运行环境之外进来（请求面板、curl）：它的父 span 不在本次运行里",
    en: "Requests from outside the run (the request panel, curl): their parent span is not in this run",
  },
  externalHint: {
    zh: "只有调用方的 client span：对方没有发送 span（未接入追踪、连不上，或 span 还没到）",
    en: "Only the caller's client span: the callee sent no span (not traced, unreachable, or not in yet)",
  },
  lastRequest: { zh: "你上一个请求的 trace", en: "Trace of your last request" },
  lastRequestWaiting: {
    zh: "正在等待你上一个请求的 span……",
    en: "Waiting for the spans of your last request…",
  },
  notTraced: {
    zh: "这一课的服务没有发送 trace。要追踪它们，像 16.6 那样给每个服务加上 OpenTelemetry（otelhttp 包装 handler 和 HTTP 客户端，OTLP 导出到运行环境里的 collector 服务）。",
    en: "This lesson's services send no traces. To trace them, add OpenTelemetry as lesson 16.6 does (otelhttp around the handler and the HTTP client, OTLP export to a collector service in the run).",
  },
  notTracedLink: { zh: "去看 16.6 分布式追踪", en: "Go to 16.6 Distributed tracing" },
  clickHint: { zh: "点击一行查看属性和事件", en: "Click a row for its attributes and events" },
} as const satisfies Texts;

/** Faults on the run's links (Toxiproxy), beside the service map. */
const FAULTS = {
  title: { zh: "故障注入", en: "Faults" },
  intro: {
    zh: "这些链路经过本次运行里的 Toxiproxy：选一条链路，给它加上延迟、限速、超时或连接重置，然后发请求，看 trace 里发生了什么。命令行里的 toxiproxy-cli 控制的是同一个代理。",
    en: "These links go through the run's Toxiproxy: pick one, add latency, a bandwidth limit, a timeout or a connection reset, then send requests and watch the traces. toxiproxy-cli in the Shell drives the same proxy.",
  },
  noRun: { zh: "按“运行”后可以在这里注入故障。", en: "Press Run to inject faults here." },
  links: { zh: "链路", en: "Links" },
  none: { zh: "没有故障", en: "no faults" },
  disabled: {
    zh: "代理已被关闭（toxiproxy-cli toggle）：链路不通",
    en: "proxy disabled (toxiproxy-cli toggle): the link is cut",
  },
  type: { zh: "故障类型", en: "Fault" },
  latency: { zh: "延迟", en: "Latency" },
  bandwidth: { zh: "限速", en: "Bandwidth" },
  timeout: { zh: "超时（不再传数据）", en: "Timeout (nothing passes)" },
  reset: { zh: "连接重置", en: "Connection reset" },
  latencyMs: { zh: "延迟 ms", en: "Latency ms" },
  jitterMs: { zh: "抖动 ms", en: "Jitter ms" },
  rateKBps: { zh: "速率 KB/s", en: "Rate KB/s" },
  timeoutMs: { zh: "多久后断开 ms（0 = 不断开）", en: "Close after ms (0 = never)" },
  afterMs: { zh: "多久后重置 ms", en: "Reset after ms" },
  add: { zh: "加上", en: "Add" },
  remove: { zh: "去掉", en: "Remove" },
  refresh: { zh: "刷新", en: "Refresh" },
  answersNote: {
    zh: "延迟加在两个方向上（请求和回答各慢这么多，一次往返慢两倍）；其他故障作用在被调用方返回的数据上。",
    en: "Latency applies both ways (the request and the answer are each that late: a round trip, twice); the other faults act on the answers.",
  },
  activeOn: { zh: "有故障", en: "faulty" },
} as const satisfies Texts;

/** The run's shell: a terminal on the run's network. */
const SHELL = {
  tab: { zh: "命令行", en: "Shell" },
  label: { zh: "运行环境里的命令行", en: "A shell in the run" },
  noRun: {
    zh: "按“运行”后，这里会打开一个连在本次运行网络上的命令行：服务可以按名字访问，例如 curl -s <服务>:<端口>/。",
    en: "Press Run, then a shell opens here on the run's network: the services answer by name, e.g. curl -s <service>:<port>/.",
  },
  noRunCluster: {
    zh: "按“运行”后，这里会打开一个命令行，kubectl 只作用于本次运行的命名空间，例如 kubectl get pods。",
    en: "Press Run, then a shell opens here with kubectl on this run's namespace only, e.g. kubectl get pods.",
  },
  opening: { zh: "正在打开命令行……", en: "Opening the shell…" },
  exited: {
    zh: "命令行已退出（代码 {code}）。按 Enter 打开一个新的。",
    en: "The shell exited (code {code}). Press Enter for a new one.",
  },
  moved: {
    zh: "命令行已在另一个标签页中打开。按 Enter 把它移回这里。",
    en: "The shell was opened in another tab. Press Enter to bring it back here.",
  },
  failed: { zh: "命令行打不开：{message}", en: "The shell could not open: {message}" },
  run: { zh: "在命令行中运行", en: "Run in the shell" },
  runHint: {
    zh: "切到“命令行”标签，输入这条命令并执行（需要先按“运行”）",
    en: "Switches to the Shell tab, types this command and runs it (press Run first)",
  },
  needsRun: {
    zh: "命令行属于一次运行：先按“运行”，再执行这条命令。",
    en: "The shell belongs to a run: press Run first, then run this command.",
  },
} as const satisfies Texts;

type Texts = Record<string, Record<UiLang, string>>;

/** A feature's table under its prefix: `grpc.call`, `traces.empty`. */
type Prefixed<P extends string, T extends Texts> = { [K in keyof T & string as `${P}.${K}`]: T[K] };

function prefixed<P extends string, T extends Texts>(prefix: P, texts: T): Prefixed<P, T> {
  return Object.fromEntries(Object.entries(texts).map(([k, v]) => [`${prefix}.${k}`, v])) as Prefixed<P, T>;
}

/** Class mode: the learner's badge and the teacher's wall. */
const CLASS = {
  signOut: { zh: "退出", en: "Sign out" },
  teacher: { zh: "教师", en: "Teacher" },
  returnLink: { zh: "在另一台电脑上继续（复制此链接）", en: "Continue on another computer (copy this link)" },
  wallTitle: { zh: "课堂墙", en: "Class wall" },
  noLearners: {
    zh: "还没有学员加入。把邀请链接或课堂代码发给他们。",
    en: "No learner has joined yet. Send them the invite link or the class code.",
  },
  online: { zh: "在线", en: "online" },
  offline: { zh: "离线", en: "offline" },
  revoked: { zh: "已移出", en: "removed" },
  noRun: { zh: "尚未运行", en: "no run yet" },
  ended: { zh: "已结束", en: "ended" },
  lastActive: { zh: "最近活动", en: "last active" },
  secondsAgo: { zh: "{n} 秒前", en: "{n} s ago" },
  minutesAgo: { zh: "{n} 分钟前", en: "{n} min ago" },
  progress: { zh: "进度", en: "Progress" },
  checks: { zh: "最近请求", en: "Last requests" },
  stopRun: { zh: "停止运行", en: "Stop run" },
  revoke: { zh: "移出课堂", en: "Remove" },
  revokeConfirm: { zh: "把 {name} 移出课堂？", en: "Remove {name} from the class?" },
  closeClass: { zh: "关闭课堂", en: "Close the class" },
  closeConfirm: { zh: "关闭课堂？所有人都会退出。", en: "Close the class? Everyone is signed out." },
} as const satisfies Texts;

export const UI = {
  ...BASE,
  ...prefixed("class", CLASS),
  ...prefixed("grpc", GRPC),
  ...prefixed("traces", TRACES),
  ...prefixed("shell", SHELL),
  ...prefixed("faults", FAULTS),
};

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
