// Turns OTLP spans into the playground's span lines: one JSON object per span, IDs in hex, times as decimal
// strings of Unix nanoseconds (they do not fit a JavaScript number), values bounded so a line stays short.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// MarkerPrefix starts every line the playground reads as a span; the playground hides these lines.
const MarkerPrefix = "@@playground:span "

// Bounds per span, so one line stays a few kilobytes whatever a program records.
const (
	maxAttributes  = 64
	maxEvents      = 32
	maxStringBytes = 1024
	maxNameBytes   = 256
)

type spanLine struct {
	TraceID      string         `json:"traceId"`
	SpanID       string         `json:"spanId"`
	ParentSpanID string         `json:"parentSpanId,omitempty"`
	Service      string         `json:"service"`
	Scope        string         `json:"scope,omitempty"`
	Name         string         `json:"name"`
	Kind         string         `json:"kind"`
	Start        string         `json:"startTimeUnixNano"`
	End          string         `json:"endTimeUnixNano"`
	Status       statusLine     `json:"status"`
	Attributes   map[string]any `json:"attributes"`
	Events       []eventLine    `json:"events"`
	Dropped      int            `json:"dropped,omitempty"`
}

type statusLine struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

type eventLine struct {
	Name       string         `json:"name"`
	Time       string         `json:"timeUnixNano"`
	Attributes map[string]any `json:"attributes"`
}

var kinds = map[tracepb.Span_SpanKind]string{
	tracepb.Span_SPAN_KIND_INTERNAL: "internal",
	tracepb.Span_SPAN_KIND_SERVER:   "server",
	tracepb.Span_SPAN_KIND_CLIENT:   "client",
	tracepb.Span_SPAN_KIND_PRODUCER: "producer",
	tracepb.Span_SPAN_KIND_CONSUMER: "consumer",
}

var statusCodes = map[tracepb.Status_StatusCode]string{
	tracepb.Status_STATUS_CODE_OK:    "ok",
	tracepb.Status_STATUS_CODE_ERROR: "error",
}

// spanWriter prints span lines; a mutex keeps the lines of concurrent exports whole.
type spanWriter struct {
	mu  sync.Mutex
	out io.Writer
}

func newSpanWriter(out io.Writer) *spanWriter { return &spanWriter{out: out} }

func (w *spanWriter) write(req *coltrace.ExportTraceServiceRequest) {
	var buf strings.Builder
	for _, rs := range req.GetResourceSpans() {
		service := "unknown_service"
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" && kv.GetValue().GetStringValue() != "" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				line := convert(s, service, ss.GetScope().GetName())
				data, err := json.Marshal(line)
				if err != nil {
					continue
				}
				buf.WriteString(MarkerPrefix)
				buf.Write(data)
				buf.WriteByte('\n')
				// A short human line too: the collector's terminal shows what arrived.
				buf.WriteString(summary(line, s))
				buf.WriteByte('\n')
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = io.WriteString(w.out, buf.String())
}

func convert(s *tracepb.Span, service, scope string) spanLine {
	line := spanLine{
		TraceID:      hex.EncodeToString(s.GetTraceId()),
		SpanID:       hex.EncodeToString(s.GetSpanId()),
		ParentSpanID: hex.EncodeToString(s.GetParentSpanId()),
		Service:      truncate(service, maxNameBytes),
		Scope:        truncate(scope, maxNameBytes),
		Name:         truncate(s.GetName(), maxNameBytes),
		Kind:         kinds[s.GetKind()],
		Start:        strconv.FormatUint(s.GetStartTimeUnixNano(), 10),
		End:          strconv.FormatUint(s.GetEndTimeUnixNano(), 10),
		Status:       statusLine{Code: "unset", Message: truncate(s.GetStatus().GetMessage(), maxStringBytes)},
		Events:       []eventLine{},
	}
	if line.Kind == "" {
		line.Kind = "unspecified"
	}
	if c, ok := statusCodes[s.GetStatus().GetCode()]; ok {
		line.Status.Code = c
	}
	var dropped int
	line.Attributes, dropped = attributes(s.GetAttributes())
	line.Dropped += dropped
	for i, e := range s.GetEvents() {
		if i == maxEvents {
			line.Dropped += len(s.GetEvents()) - maxEvents
			break
		}
		attrs, dropped := attributes(e.GetAttributes())
		line.Dropped += dropped
		line.Events = append(line.Events, eventLine{
			Name:       truncate(e.GetName(), maxNameBytes),
			Time:       strconv.FormatUint(e.GetTimeUnixNano(), 10),
			Attributes: attrs,
		})
	}
	return line
}

func attributes(kvs []*commonpb.KeyValue) (map[string]any, int) {
	out := make(map[string]any, min(len(kvs), maxAttributes))
	dropped := 0
	for _, kv := range kvs {
		if len(out) == maxAttributes {
			dropped++
			continue
		}
		out[truncate(kv.GetKey(), maxNameBytes)] = value(kv.GetValue(), 0)
	}
	return out, dropped
}

// value maps an OTLP AnyValue to JSON: int64 beyond 2^53 and non-finite floats become strings, so nothing is
// silently rounded or rejected by the JSON encoder.
func value(v *commonpb.AnyValue, depth int) any {
	if depth > 3 {
		return "…"
	}
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return truncate(x.StringValue, maxStringBytes)
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		if x.IntValue > 1<<53 || x.IntValue < -(1<<53) {
			return strconv.FormatInt(x.IntValue, 10)
		}
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		if math.IsNaN(x.DoubleValue) || math.IsInf(x.DoubleValue, 0) {
			return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
		}
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return truncate(base64.StdEncoding.EncodeToString(x.BytesValue), maxStringBytes)
	case *commonpb.AnyValue_ArrayValue:
		values := x.ArrayValue.GetValues()
		out := make([]any, 0, min(len(values), maxAttributes))
		for i, item := range values {
			if i == maxAttributes {
				break
			}
			out = append(out, value(item, depth+1))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		out := map[string]any{}
		for i, kv := range x.KvlistValue.GetValues() {
			if i == maxAttributes {
				break
			}
			out[truncate(kv.GetKey(), maxNameBytes)] = value(kv.GetValue(), depth+1)
		}
		return out
	default:
		return nil
	}
}

// truncate cuts s to at most n bytes without splitting a UTF-8 character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func summary(line spanLine, s *tracepb.Span) string {
	dur := time.Duration(0)
	if s.GetEndTimeUnixNano() > s.GetStartTimeUnixNano() {
		dur = time.Duration(s.GetEndTimeUnixNano() - s.GetStartTimeUnixNano())
	}
	text := fmt.Sprintf("span %-10s %-8s %-24s %9s  trace %s", line.Service, line.Kind, line.Name,
		dur.Round(time.Microsecond), shortID(line.TraceID))
	if line.Status.Code == "error" {
		text += "  ERROR"
		if line.Status.Message != "" {
			text += ": " + line.Status.Message
		}
	}
	return text
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}
