// playground-kube-forward: kubectl's way to the cluster from a run's shell. It listens on 127.0.0.1 inside the shell
// container and carries each connection to the unix socket the playground's server bind-mounted there, where the
// server's proxy passes it on to the API server with the shell's own token, for the run's namespace only. So the
// container never reaches the host over the network, and kubectl (which cannot dial a unix socket) needs no change.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"time"
)

// maxConns bounds the connections carried at once; the server's proxy bounds what they may do.
const maxConns = 64

func main() {
	listen := flag.String("listen", "127.0.0.1:8001", "TCP address kubectl connects to")
	socket := flag.String("socket", "/opt/kube/api.sock", "unix socket of the playground's API proxy")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("playground-kube-forward: ")
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	slots := make(chan struct{}, maxConns)
	for {
		conn, err := ln.Accept()
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		slots <- struct{}{}
		go func() {
			defer func() { <-slots }()
			forward(conn, *socket)
		}()
	}
}

// forward copies both ways until both sides are done, closing each direction as its source ends (a request body
// ends before its answer does).
func forward(conn net.Conn, socket string) {
	defer conn.Close()
	upstream, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		return
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(upstream, conn)
		if u, ok := upstream.(*net.UnixConn); ok {
			_ = u.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(conn, upstream)
		if t, ok := conn.(*net.TCPConn); ok {
			_ = t.CloseWrite()
		}
		done <- struct{}{}
	}()
	<-done
	<-done
}
