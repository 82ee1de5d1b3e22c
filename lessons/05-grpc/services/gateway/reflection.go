// GET /reflection: asks the gRPC server, through its reflection service, which services and methods it has,
// the way grpcurl's `list` and `describe` do, with no copy of their .proto files on this side.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"

	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

type reflectedService struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Methods []string `json:"methods"`
}

func (g *gateway) reflection(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	services, err := listByReflection(ctx, reflectionpb.NewServerReflectionClient(g.conn))
	if err != nil {
		writeGRPCError(w, "ServerReflectionInfo", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"grpcCode": "OK", "target": g.target, "services": services})
}

// listByReflection speaks the reflection protocol, a bidirectional stream of questions and answers:
// first "list services", then for each service "the file that defines this symbol".
func listByReflection(ctx context.Context, client reflectionpb.ServerReflectionClient) ([]reflectedService, error) {
	stream, err := client.ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.CloseSend()
	ask := func(req *reflectionpb.ServerReflectionRequest) (*reflectionpb.ServerReflectionResponse, error) {
		// A Send that fails with io.EOF means the server ended the stream; Recv then returns its real status
		// (e.g. Unimplemented when the server has no reflection service).
		if err := stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		resp, err := stream.Recv()
		if err != nil {
			return nil, err
		}
		if e := resp.GetErrorResponse(); e != nil {
			return nil, fmt.Errorf("reflection error %d: %s", e.GetErrorCode(), e.GetErrorMessage())
		}
		return resp, nil
	}

	listed, err := ask(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	})
	if err != nil {
		return nil, err
	}
	var out []reflectedService
	for _, svc := range listed.GetListServicesResponse().GetService() {
		resp, err := ask(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: svc.GetName()},
		})
		if err != nil {
			return nil, err
		}
		found, err := describeService(svc.GetName(), resp.GetFileDescriptorResponse().GetFileDescriptorProto())
		if err != nil {
			return nil, err
		}
		out = append(out, found)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// describeService finds the service in the returned files (the defining file and, possibly, its imports) and
// writes each method as `Name(Request) returns (Response)`, with `stream` where a side streams.
func describeService(fullName string, files [][]byte) (reflectedService, error) {
	for _, raw := range files {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, fd); err != nil {
			return reflectedService{}, fmt.Errorf("decoding a file descriptor: %w", err)
		}
		for _, sd := range fd.GetService() {
			if qualified(fd.GetPackage(), sd.GetName()) != fullName {
				continue
			}
			svc := reflectedService{Name: fullName, File: fd.GetName(), Methods: []string{}}
			for _, m := range sd.GetMethod() {
				svc.Methods = append(svc.Methods, fmt.Sprintf("%s(%s) returns (%s)", m.GetName(),
					streamed(m.GetClientStreaming(), m.GetInputType()), streamed(m.GetServerStreaming(), m.GetOutputType())))
			}
			return svc, nil
		}
	}
	return reflectedService{}, fmt.Errorf("the server listed %s but sent no file that defines it", fullName)
}

func qualified(pkg, name string) string {
	if pkg == "" {
		return name
	}
	return pkg + "." + name
}

// streamed drops the leading dot of a fully qualified type name (".user.v1.User") and marks streams.
func streamed(stream bool, typeName string) string {
	if len(typeName) > 0 && typeName[0] == '.' {
		typeName = typeName[1:]
	}
	if stream {
		return "stream " + typeName
	}
	return typeName
}
