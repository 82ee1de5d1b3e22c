// The traces panel's words in both languages (kept beside the panel it belongs to).
import type { UiLang } from "@/lib/ui-text";

const TEXT = {
  traces: { zh: "追踪", en: "Traces" },
  tracesList: { zh: "最近的 trace", en: "Recent traces" },
  waterfall: { zh: "瀑布图", en: "Waterfall" },
  empty: {
    zh: "还没有 span。向 frontend 发一个请求，片刻之后它的 trace 就会出现在这里。",
    en: "No spans yet. Send a request to frontend; its trace shows up here a moment later.",
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
} satisfies Record<string, { zh: string; en: string }>;

export type TracesTextKey = keyof typeof TEXT;

export function tt(lang: UiLang, key: TracesTextKey): string {
  return TEXT[key][lang];
}
