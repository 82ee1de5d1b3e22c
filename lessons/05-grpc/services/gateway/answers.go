// HTTP answers from gRPC results: protobuf messages as JSON, and gRPC status codes as HTTP statuses.
package main

import (
	"encoding/json"
	"log"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// httpStatus maps each gRPC code to the HTTP status that means the same (the mapping grpc-gateway uses too).
var httpStatus = map[codes.Code]int{
	codes.OK:                 http.StatusOK,
	codes.Canceled:           499, // client closed the request
	codes.Unknown:            http.StatusInternalServerError,
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.DeadlineExceeded:   http.StatusGatewayTimeout,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.FailedPrecondition: http.StatusBadRequest,
	codes.Aborted:            http.StatusConflict,
	codes.OutOfRange:         http.StatusBadRequest,
	codes.Unimplemented:      http.StatusNotImplemented,
	codes.Internal:           http.StatusInternalServerError,
	codes.Unavailable:        http.StatusServiceUnavailable,
	codes.DataLoss:           http.StatusInternalServerError,
	codes.Unauthenticated:    http.StatusUnauthorized,
}

// writeGRPCError answers with the HTTP status of the call's gRPC code, and shows that code and its message.
func writeGRPCError(w http.ResponseWriter, method string, err error) {
	st := status.Convert(err) // an error that is not a gRPC status becomes Unknown
	code, ok := httpStatus[st.Code()]
	if !ok {
		code = http.StatusInternalServerError
	}
	log.Printf("%s: %s: %s", method, st.Code(), st.Message())
	writeJSON(w, code, map[string]string{"grpcCode": st.Code().String(), "method": method, "error": st.Message()})
}

// writeGRPC answers {"grpcCode":"OK","response":msg}, msg in the protobuf JSON mapping (camelCase names,
// Timestamps as RFC 3339 strings, 64-bit integers as strings).
func writeGRPC(w http.ResponseWriter, httpCode int, msg proto.Message) {
	data, err := protojson.Marshal(msg)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "encoding the answer: " + err.Error()})
		return
	}
	writeJSON(w, httpCode, map[string]any{"grpcCode": codes.OK.String(), "response": json.RawMessage(data)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		log.Printf("writing the answer: %v", err)
	}
}
