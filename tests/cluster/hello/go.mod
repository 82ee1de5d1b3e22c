module playground.local/cluster-hello

go 1.26.0
