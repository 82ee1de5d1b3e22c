# Extra settings for the playground's Consul agent, read after `consul agent -dev` (see lesson.json).
# -dev: one node that is its own server and leader, everything kept in memory, so every Run starts empty.

node_name = "playground"

# INFO shows registrations and checks that change state; DEBUG also shows every check the agent runs.
log_level = "INFO"

# The sandbox has no route out: do not ask HashiCorp for a newer version.
disable_update_check = true

# Not used by this lesson: the web UI and the gRPC ports for Envoy proxies.
ui_config {
  enabled = false
}
ports {
  grpc     = -1
  grpc_tls = -1
}
