// The cluster's CA, serving and client certificates (openssl, P-256) and the kubeconfigs that carry them.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CLUSTER_DOMAIN, KUBERNETES_SERVICE_IP, LOOPBACK, NODE_NAME, paths, ports } from "./settings";
import { run, tryRun } from "./shell";

/** Leaf certificates live a year; one that would expire within a week is renewed at the next `up`. */
const LEAF_DAYS = 365;
const RENEW_BEFORE_SECONDS = 7 * 24 * 3600;
const CA_DAYS = 3650;

interface CertSpec {
  name: string;
  cn: string;
  org?: string;
  usage: "serverAuth" | "clientAuth";
  sans?: string[];
}

/** User names here are what RBAC sees: system:* ones are bound by Kubernetes' bootstrap policy. */
export const certSpecs: CertSpec[] = [
  { name: "etcd-server", cn: "etcd", usage: "serverAuth", sans: [`IP:${LOOPBACK}`, "DNS:localhost"] },
  { name: "apiserver-etcd-client", cn: "kube-apiserver-etcd-client", usage: "clientAuth" },
  {
    name: "apiserver",
    cn: "kube-apiserver",
    usage: "serverAuth",
    sans: [
      `IP:${LOOPBACK}`,
      `IP:${KUBERNETES_SERVICE_IP}`,
      "DNS:localhost",
      `DNS:${NODE_NAME}`,
      "DNS:kubernetes",
      "DNS:kubernetes.default",
      "DNS:kubernetes.default.svc",
      `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    ],
  },
  // Bound to system:kubelet-api-admin at `up` (logs, exec, port-forward go through it).
  { name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", usage: "clientAuth" },
  // The API server reaches the kubelet by host name (it resolves to 127.0.0.1) and checks this certificate.
  {
    name: "kubelet-server",
    cn: NODE_NAME,
    usage: "serverAuth",
    sans: [`IP:${LOOPBACK}`, `DNS:${NODE_NAME}`, "DNS:localhost"],
  },
  { name: "kubelet", cn: `system:node:${NODE_NAME}`, org: "system:nodes", usage: "clientAuth" },
  { name: "admin", cn: "playground-admin", org: "system:masters", usage: "clientAuth" },
  { name: "controller-manager", cn: "system:kube-controller-manager", usage: "clientAuth" },
  { name: "scheduler", cn: "system:kube-scheduler", usage: "clientAuth" },
  { name: "kube-proxy", cn: "system:kube-proxy", usage: "clientAuth" },
  // Only what the network policy controller reads (ClusterRole in the bootstrap manifest).
  { name: "kube-router", cn: "playground:kube-router", usage: "clientAuth" },
  // Only what CoreDNS's kubernetes plugin reads (ClusterRole in the CoreDNS manifest).
  { name: "coredns", cn: "playground:coredns", usage: "clientAuth" },
];

export const pki = (file: string) => path.join(paths.pki, file);

function newKey(file: string) {
  run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file]);
}

function validFor(cert: string, seconds: number) {
  return existsSync(cert) && tryRun("openssl", ["x509", "-checkend", String(seconds), "-noout", "-in", cert]) !== null;
}

function ensureCa(): boolean {
  if (validFor(pki("ca.crt"), 30 * 24 * 3600) && existsSync(pki("ca.key"))) return false;
  newKey(pki("ca.key"));
  run("openssl", [
    "req", "-x509", "-new", "-key", pki("ca.key"), "-subj", "/CN=playground-cluster-ca", "-days", String(CA_DAYS),
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", pki("ca.crt"),
  ]); // prettier-ignore
  return true;
}

function ensureLeaf(spec: CertSpec, caRenewed: boolean) {
  const crt = pki(`${spec.name}.crt`);
  const specFile = pki(`${spec.name}.spec`);
  const wanted = JSON.stringify(spec);
  const same = existsSync(specFile) && readFileSync(specFile, "utf8") === wanted;
  if (!caRenewed && same && validFor(crt, RENEW_BEFORE_SECONDS)) return;
  const key = pki(`${spec.name}.key`);
  newKey(key);
  const ext = pki(`${spec.name}.ext`);
  writeFileSync(
    ext,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${spec.usage}`,
      ...(spec.sans ? [`subjectAltName=${spec.sans.join(",")}`] : []),
    ].join("\n"),
  );
  const subject = `/CN=${spec.cn}${spec.org ? `/O=${spec.org}` : ""}`;
  const csr = run("openssl", ["req", "-new", "-key", key, "-subj", subject]);
  run(
    "openssl",
    ["x509", "-req", "-CA", pki("ca.crt"), "-CAkey", pki("ca.key"), "-set_serial", `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6)}`,
      "-days", String(LEAF_DAYS), "-extfile", ext, "-out", crt], // prettier-ignore
    { input: csr },
  );
  rmSync(ext);
  writeFileSync(specFile, wanted);
}

/** Creates what is missing or about to expire; a CA renewal reissues every leaf. Idempotent. */
export function ensureCertificates() {
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  const caRenewed = ensureCa();
  for (const spec of certSpecs) ensureLeaf(spec, caRenewed);
  // The service-account token signing key pair (ES256).
  if (caRenewed || !existsSync(pki("sa.key"))) {
    newKey(pki("sa.key"));
    run("openssl", ["pkey", "-in", pki("sa.key"), "-pubout", "-out", pki("sa.pub")]);
  }
}

const b64 = (file: string) => readFileSync(file).toString("base64");

/** A kubeconfig for one certificate's user, everything embedded so it can be copied or put in a Secret. */
export function kubeconfigFor(certName: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: playground",
    "  cluster:",
    `    server: https://${LOOPBACK}:${ports.apiserver}`,
    `    certificate-authority-data: ${b64(pki("ca.crt"))}`,
    "users:",
    `- name: ${certName}`,
    "  user:",
    `    client-certificate-data: ${b64(pki(`${certName}.crt`))}`,
    `    client-key-data: ${b64(pki(`${certName}.key`))}`,
    "contexts:",
    "- name: playground",
    "  context:",
    "    cluster: playground",
    `    user: ${certName}`,
    "current-context: playground",
    "",
  ].join("\n");
}

/** TLS options for Node's https client, as a given certificate's user. */
export function tlsAs(certName: string) {
  return {
    ca: readFileSync(pki("ca.crt")),
    cert: readFileSync(pki(`${certName}.crt`)),
    key: readFileSync(pki(`${certName}.key`)),
  };
}
