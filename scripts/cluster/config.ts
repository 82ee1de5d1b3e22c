// The configuration files of containerd, CNI, the kubelet and kube-proxy, the kubeconfigs, and the bootstrap manifest.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { kubeconfigFor, pki } from "./certs";
import {
  BRIDGE,
  CLUSTER_DOMAIN,
  CNI_NETWORK,
  COREDNS_IMAGE,
  DNS_SERVICE_IP,
  LOOPBACK,
  NODE_NAME,
  PAUSE_IMAGE,
  SERVICE_CIDR,
  paths,
  ports,
} from "./settings";

/** The pod network `up` chose (see host.ts): its range and the bridge's address, which is also the node's IP. */
export interface PodNetwork {
  podCidr: string;
  gateway: string;
  prefix: number;
}

export const etcFile = (name: string) => path.join(paths.etc, name);

function containerdConfig(): string {
  return `# Our own containerd instance: own root, state, socket; Docker's containerd is never touched.
version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"
# opt would create /opt/containerd; the others are snapshotters this machine cannot use.
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # kubectl exec/logs/port-forward streams: loopback, any free port.
  stream_server_address = "${LOOPBACK}"
  stream_server_port = "0"
  # This VM's root lacks CAP_SYS_RESOURCE: a negative oom_score_adj would make runc fail every pod sandbox.
  restrict_oom_score_adj = true
  enable_selinux = false
  # Pods' network namespaces under our state dir, not /run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${paths.runcRoot}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${paths.cniBin}"
    conf_dir = "${paths.cniConf}"
    max_conf_num = 1
`;
}

function cniConfig(net: PodNetwork): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: CNI_NETWORK,
      plugins: [
        {
          type: "bridge",
          bridge: BRIDGE,
          isGateway: true,
          isDefaultGateway: false,
          // Nothing leaves the machine from a pod: no NAT to the host's uplink, and no default route (below).
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: paths.cniData,
            ranges: [[{ subnet: net.podCidr, gateway: net.gateway }]],
            // Only the service range beyond the pods' own subnet: a pod has no route anywhere else.
            routes: [{ dst: SERVICE_CIDR, gw: net.gateway }],
          },
        },
        // No "firewall" plugin: it accepts every pod's traffic in FORWARD ahead of the network policy controller's
        // chain, which would then never see it. `up` accepts pod-to-pod traffic after that chain instead (host.ts).
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(net: PodNetwork): string {
  return JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      address: LOOPBACK,
      port: ports.kubelet,
      readOnlyPort: 0,
      healthzBindAddress: LOOPBACK,
      healthzPort: ports.kubeletHealthz,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: pki("ca.crt") },
      },
      authorization: { mode: "Webhook" },
      tlsCertFile: pki("kubelet-server.crt"),
      tlsPrivateKeyFile: pki("kubelet-server.key"),
      // cgroup v1 on these machines: 1.35+ refuses it unless told, and there is no systemd to drive cgroups.
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
      clusterDNS: [DNS_SERVICE_IP],
      clusterDomain: CLUSTER_DOMAIN,
      // An empty resolv.conf of our own: the host's search domains and servers are not the pods' business.
      resolvConf: etcFile("resolv.conf"),
      podCIDR: net.podCidr,
      podLogsDir: paths.podLogs,
      rotateCertificates: false,
      serverTLSBootstrap: false,
      // Images are imported, never pulled: do not let GC drop them between a test's import and its apply.
      imageGCHighThresholdPercent: 100,
      evictionHard: { "memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%" },
    },
    null,
    2,
  );
}

function kubeProxyConfig(net: PodNetwork): string {
  return JSON.stringify(
    {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      clientConnection: { kubeconfig: etcFile("kube-proxy.kubeconfig") },
      hostnameOverride: NODE_NAME,
      mode: "iptables",
      clusterCIDR: net.podCidr,
      bindAddress: LOOPBACK,
      healthzBindAddress: `${LOOPBACK}:${ports.kubeProxyHealthz}`,
      metricsBindAddress: `${LOOPBACK}:${ports.kubeProxyMetrics}`,
      nodePortAddresses: [`${LOOPBACK}/32`],
      // Zero: kube-proxy leaves the conntrack sysctls of this shared machine alone.
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
      oomScoreAdj: 0,
    },
    null,
    2,
  );
}

/** Writes every file the daemons read. Called by each `up`, so a changed constant takes effect. */
export function writeConfigs(net: PodNetwork) {
  for (const d of [paths.etc, paths.cniConf]) mkdirSync(d, { recursive: true });
  writeFileSync(etcFile("containerd.toml"), containerdConfig());
  writeFileSync(path.join(paths.cniConf, `10-${CNI_NETWORK}.conflist`), cniConfig(net));
  writeFileSync(etcFile("kubelet.json"), kubeletConfig(net));
  writeFileSync(etcFile("kube-proxy.json"), kubeProxyConfig(net));
  writeFileSync(etcFile("resolv.conf"), "");
  for (const who of ["controller-manager", "scheduler", "kubelet", "kube-proxy", "kube-router"]) {
    writeFileSync(etcFile(`${who}.kubeconfig`), kubeconfigFor(who), { mode: 0o600 });
  }
  writeFileSync(paths.kubeconfig, kubeconfigFor("admin"), { mode: 0o600 });
}

/**
 * RBAC the cluster's own parts need, and CoreDNS. CoreDNS runs on the host network: pods cannot reach the API server
 * (it listens on 127.0.0.1 only) but CoreDNS must watch it; it answers on the bridge's address, which is the node's
 * IP, so the kube-dns Service's endpoint is that address and every pod reaches it through its gateway.
 */
export function bootstrapManifest(net: PodNetwork): string {
  const corefile = `.:53 {
    bind ${net.gateway}
    errors
    health ${LOOPBACK}:${ports.corednsHealth}
    ready ${LOOPBACK}:${ports.corednsReady}
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
        kubeconfig /etc/coredns/kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
    loadbalance
}
`;
  const docs = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "playground:apiserver-kubelet-client" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:kubelet-api-admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "kube-apiserver-kubelet-client" }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "playground:coredns" },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "playground:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "playground:coredns" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "playground:coredns" }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "playground:kube-router" },
      rules: [
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["pods", "namespaces", "services", "endpoints"], verbs: ["list", "watch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
        { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "playground:kube-router" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "playground:kube-router" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "playground:kube-router" }],
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "coredns", namespace: "kube-system" },
      stringData: { Corefile: corefile, kubeconfig: kubeconfigFor("coredns") },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { "k8s-app": "kube-dns" } },
        template: {
          metadata: { labels: { "k8s-app": "kube-dns" } },
          spec: {
            hostNetwork: true,
            dnsPolicy: "Default",
            automountServiceAccountToken: false,
            priorityClassName: "system-cluster-critical",
            containers: [
              {
                name: "coredns",
                image: COREDNS_IMAGE,
                imagePullPolicy: "Never",
                args: ["-conf", "/etc/coredns/Corefile"],
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                },
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                readinessProbe: {
                  httpGet: { host: LOOPBACK, port: ports.corednsReady, path: "/ready" },
                  periodSeconds: 2,
                },
                livenessProbe: {
                  httpGet: { host: LOOPBACK, port: ports.corednsHealth, path: "/health" },
                  periodSeconds: 10,
                  failureThreshold: 5,
                },
              },
            ],
            volumes: [{ name: "config", secret: { secretName: "coredns", defaultMode: 0o400 } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
      spec: {
        clusterIP: DNS_SERVICE_IP,
        selector: { "k8s-app": "kube-dns" },
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    },
  ];
  // kubectl takes a JSON List as well as YAML.
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: docs });
}
