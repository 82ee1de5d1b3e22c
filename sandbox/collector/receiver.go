// The OTLP/HTTP side: POST /v1/traces with a protobuf or JSON ExportTraceServiceRequest, answered as the OTLP
// specification asks (the same encoding back, a google.rpc.Status body on errors).
package main

import (
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// maxBodyBytes bounds one export (after decompression); the SDK's batches of 512 spans stay far below it.
const maxBodyBytes = 8 << 20

type encoding int

const (
	encProtobuf encoding = iota
	encJSON
)

type tracesHandler struct {
	out *spanWriter
}

func (h *tracesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "OTLP traces are POSTed", http.StatusMethodNotAllowed)
		return
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var enc encoding
	switch mediaType {
	case "application/x-protobuf":
		enc = encProtobuf
	case "application/json":
		enc = encJSON
	default:
		http.Error(w, "Content-Type must be application/x-protobuf or application/json", http.StatusUnsupportedMediaType)
		return
	}

	body, err := readBody(w, r)
	if err != nil {
		writeStatus(w, enc, http.StatusBadRequest, err)
		return
	}
	req := &coltrace.ExportTraceServiceRequest{}
	if enc == encProtobuf {
		err = proto.Unmarshal(body, req)
	} else {
		err = unmarshalOTLPJSON(body, req)
	}
	if err != nil {
		writeStatus(w, enc, http.StatusBadRequest, fmt.Errorf("cannot decode the export request: %w", err))
		return
	}

	h.out.write(req)
	writeMessage(w, enc, http.StatusOK, &coltrace.ExportTraceServiceResponse{})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var src io.Reader = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	switch r.Header.Get("Content-Encoding") {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, fmt.Errorf("bad gzip body: %w", err)
		}
		defer zr.Close()
		src = io.LimitReader(zr, maxBodyBytes+1)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	body, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(body) > maxBodyBytes {
		return nil, errors.New("the body is larger than 8 MiB")
	}
	return body, nil
}

// unmarshalOTLPJSON reads OTLP/JSON, which differs from plain protobuf JSON in one way that matters here: trace
// and span IDs are hex strings, not base64. They are rewritten to base64 before protojson reads the message.
func unmarshalOTLPJSON(body []byte, msg proto.Message) error {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	if err := hexIDsToBase64(doc); err != nil {
		return err
	}
	fixed, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(fixed, msg)
}

var idFields = map[string]bool{"traceId": true, "spanId": true, "parentSpanId": true}

func hexIDsToBase64(v any) error {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok && idFields[k] {
				raw, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("%s %q is not hex", k, s)
				}
				t[k] = base64.StdEncoding.EncodeToString(raw)
				continue
			}
			if err := hexIDsToBase64(child); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range t {
			if err := hexIDsToBase64(child); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeStatus(w http.ResponseWriter, enc encoding, httpStatus int, err error) {
	writeMessage(w, enc, httpStatus, &status.Status{Code: int32(code.Code_INVALID_ARGUMENT), Message: err.Error()})
}

func writeMessage(w http.ResponseWriter, enc encoding, httpStatus int, msg proto.Message) {
	var body []byte
	var err error
	if enc == encJSON {
		w.Header().Set("Content-Type", "application/json")
		body, err = protojson.Marshal(msg)
	} else {
		w.Header().Set("Content-Type", "application/x-protobuf")
		body, err = proto.Marshal(msg)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(httpStatus)
	_, _ = w.Write(body)
}
