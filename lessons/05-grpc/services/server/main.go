// user-service: the gRPC server of user.v1.UserService (proto/user/v1/user.proto), with server reflection and
// the standard gRPC health service, so tools can list and call it without a copy of the .proto.
package main

// Regenerates ../userv1 from the contract on every Run (the playground runs `go generate ./...` before the build).
//go:generate protoc -I ../proto --go_out=.. --go_opt=module=playground/grpc --go-grpc_out=.. --go-grpc_opt=module=playground/grpc user/v1/user.proto

import (
	"cmp"
	"context"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"playground/grpc/userv1"
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "50051")
	lis, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatalf("listen on :%s: %v", port, err)
	}

	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(logCalls))
	userv1.RegisterUserServiceServer(srv, newUserServer())

	// The standard health service (grpc.health.v1.Health): Kubernetes gRPC probes and grpc-health-probe call it.
	healthSrv := health.NewServer()
	healthpb.RegisterHealthServer(srv, healthSrv)
	healthSrv.SetServingStatus(userv1.UserService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)

	// Server reflection: clients such as grpcurl (or user-gateway's /reflection) ask the server for its services
	// and message layouts at run time. It exposes the whole API, so public servers often leave it off.
	reflection.Register(srv)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		log.Print("shutting down: no new calls, waiting for running ones")
		healthSrv.Shutdown() // health answers NOT_SERVING from now on
		srv.GracefulStop()
	}()

	log.Printf("user-service (gRPC) listening on %s", lis.Addr())
	// Unlike http.Server's ListenAndServe, Serve returns only once GracefulStop has finished the running calls,
	// so main may end as soon as Serve returns.
	if err := srv.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
	log.Print("stopped")
}

// logCalls is a unary interceptor: it wraps every call, like HTTP middleware, and logs method, code and time.
func logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	log.Printf("%s %s %s", info.FullMethod, status.Code(err), time.Since(start).Round(time.Microsecond))
	return resp, err
}
