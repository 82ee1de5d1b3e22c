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
  errors: { zh: "个错误", en: "errors" },
  latest: { zh: "跟随最新", en: "Follow latest" },
  following: { zh: "正在跟随最新的 trace", en: "Following the latest trace" },
  missingParent: { zh: "父 span 尚未到达", en: "parent span not received" },
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
  clickHint: { zh: "点击一行查看属性和事件", en: "Click a row for its attributes and events" },
} satisfies Record<string, { zh: string; en: string }>;

export type TracesTextKey = keyof typeof TEXT;

export function tt(lang: UiLang, key: TracesTextKey): string {
  return TEXT[key][lang];
}
