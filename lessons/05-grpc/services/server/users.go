// The UserService implementation: an in-memory store that answers with gRPC status codes.
package main

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"playground/grpc/userv1"
)

type userServer struct {
	// Embedded by value: a method added to the .proto later is answered with UNIMPLEMENTED until written,
	// instead of breaking the build.
	userv1.UnimplementedUserServiceServer

	mu     sync.RWMutex // calls arrive concurrently
	users  map[string]*userv1.User
	order  []string // ids, oldest first
	nextID int
}

func newUserServer() *userServer {
	s := &userServer{users: map[string]*userv1.User{}, nextID: 1}
	s.add("张三", "zhangsan@example.com")
	s.add("李四", "lisi@example.com")
	return s
}

// add stores a user; the caller holds the write lock (or is the constructor).
func (s *userServer) add(name, email string) *userv1.User {
	u := &userv1.User{
		Id:        strconv.Itoa(s.nextID),
		Name:      name,
		Email:     email,
		CreatedAt: timestamppb.New(time.Now().UTC()),
	}
	s.nextID++
	s.users[u.Id] = u
	s.order = append(s.order, u.Id)
	return u
}

func (s *userServer) GetUser(ctx context.Context, req *userv1.GetUserRequest) (*userv1.User, error) {
	// Getters (GetId) are nil-safe, unlike reading req.Id directly.
	id := strings.TrimSpace(req.GetId())
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "id is required")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "user %q not found", id)
	}
	return u, nil
}

func (s *userServer) CreateUser(ctx context.Context, req *userv1.CreateUserRequest) (*userv1.User, error) {
	name := strings.TrimSpace(req.GetName())
	email := strings.TrimSpace(req.GetEmail())
	if name == "" {
		return nil, status.Error(codes.InvalidArgument, "name is required")
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return nil, status.Errorf(codes.InvalidArgument, "email %q is not a valid address", email)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strings.EqualFold(u.GetEmail(), email) {
			return nil, status.Errorf(codes.AlreadyExists, "email %q is already taken by user %s", email, u.GetId())
		}
	}
	return s.add(name, email), nil
}

func (s *userServer) ListUsers(ctx context.Context, req *userv1.ListUsersRequest) (*userv1.ListUsersResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	resp := &userv1.ListUsersResponse{Users: make([]*userv1.User, 0, len(s.order))}
	for _, id := range s.order {
		resp.Users = append(resp.Users, s.users[id])
	}
	return resp, nil
}
