// The receiver against real OTLP payloads: protobuf as the Go SDK sends it, OTLP/JSON with hex IDs, bad input.
package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func post(t *testing.T, contentType string, body []byte) (*httptest.ResponseRecorder, []spanLine) {
	t.Helper()
	var out bytes.Buffer
	h := &tracesHandler{out: newSpanWriter(&out)}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	h.ServeHTTP(rec, req)
	var spans []spanLine
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, MarkerPrefix); ok {
			var s spanLine
			if err := json.Unmarshal([]byte(rest), &s); err != nil {
				t.Fatalf("span line is not JSON: %v", err)
			}
			spans = append(spans, s)
		}
	}
	return rec, spans
}

func TestProtobufExport(t *testing.T) {
	traceID := bytes.Repeat([]byte{0xab}, 16)
	msg := &coltrace.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
			{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "backend"}}},
		}},
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			TraceId:           traceID,
			SpanId:            []byte{1, 2, 3, 4, 5, 6, 7, 8},
			ParentSpanId:      []byte{8, 7, 6, 5, 4, 3, 2, 1},
			Name:              "inventory.lookup",
			Kind:              tracepb.Span_SPAN_KIND_INTERNAL,
			StartTimeUnixNano: 1_795_613_456_267_277_139,
			EndTimeUnixNano:   1_795_613_456_275_660_812,
			Status:            &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "unknown item"},
			Attributes: []*commonpb.KeyValue{
				{Key: "big", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 1 << 60}}},
				{Key: "n", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 3}}},
			},
			Events: []*tracepb.Span_Event{{Name: "row found", TimeUnixNano: 1_795_613_456_275_656_956}},
		}}}},
	}}}
	body, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	rec, spans := post(t, "application/x-protobuf", body)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if len(spans) != 1 {
		t.Fatalf("want 1 span, got %d", len(spans))
	}
	s := spans[0]
	if s.TraceID != strings.Repeat("ab", 16) || s.SpanID != "0102030405060708" || s.ParentSpanID != "0807060504030201" {
		t.Errorf("ids: %+v", s)
	}
	if s.Service != "backend" || s.Kind != "internal" || s.Status.Code != "error" || s.Status.Message != "unknown item" {
		t.Errorf("fields: %+v", s)
	}
	if s.Start != "1795613456267277139" || s.End != "1795613456275660812" {
		t.Errorf("times must keep every nanosecond: %s %s", s.Start, s.End)
	}
	if s.Attributes["big"] != "1152921504606846976" || s.Attributes["n"] != float64(3) {
		t.Errorf("attributes: %#v", s.Attributes)
	}
	if len(s.Events) != 1 || s.Events[0].Name != "row found" {
		t.Errorf("events: %+v", s.Events)
	}
}

func TestJSONExportWithHexIDs(t *testing.T) {
	body := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",
		"spanId":"eee19b7ec3c1b174","name":"x","kind":2,"startTimeUnixNano":"1544712660000000000",
		"endTimeUnixNano":"1544712661000000000"}]}]}]}`
	rec, spans := post(t, "application/json", []byte(body))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "{}" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	if len(spans) != 1 || spans[0].TraceID != "5b8efff798038103d269b633813fc60c" || spans[0].Kind != "server" {
		t.Fatalf("spans: %+v", spans)
	}
	if spans[0].Service != "unknown_service" || spans[0].ParentSpanID != "" {
		t.Errorf("defaults: %+v", spans[0])
	}
}

func TestRejectsBadInput(t *testing.T) {
	rec, spans := post(t, "application/json", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`))
	if rec.Code != http.StatusBadRequest || len(spans) != 0 || !strings.Contains(rec.Body.String(), "not hex") {
		t.Errorf("bad id: %d %q", rec.Code, rec.Body.String())
	}
	rec, _ = post(t, "text/plain", []byte("hello"))
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", rec.Code)
	}
	rec, _ = post(t, "application/x-protobuf", []byte{0xff, 0xff, 0xff})
	if rec.Code != http.StatusBadRequest {
		t.Errorf("garbage protobuf: %d", rec.Code)
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	got := truncate("追踪追踪", 4) // 3 bytes a character: the cut falls inside the second one
	if got != "追…" {
		t.Errorf("got %q", got)
	}
}
