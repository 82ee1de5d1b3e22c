// What Pod Security Admission's "restricted" profile refuses in a pod template, checked before anything is built.
import type { K8sObject, PathPart } from "./validate";
import { asArray, asRecord } from "./values";

/** One refusal: the object, the path of the field that asks for the host, and why. */
export interface PodSecurityFinding {
  obj: K8sObject;
  path: PathPart[];
  message: string;
}

/** Volume sources a pod may use here: none of them reaches the host (the API's Pod Security "restricted" list). */
const ALLOWED_VOLUME_SOURCES = new Set([
  "name",
  "emptyDir",
  "configMap",
  "secret",
  "projected",
  "downwardAPI",
  "persistentVolumeClaim",
  "ephemeral",
  "csi",
]);
/** The one capability Pod Security "restricted" lets a container add. */
const ALLOWED_ADDED_CAPABILITIES = new Set(["NET_BIND_SERVICE"]);

/**
 * What Pod Security Admission's "restricted" profile refuses, refused here before anything is built: a pod that asks
 * for the host (its namespaces, a path of its disk, privileges) is a mistake in a lesson and an attack in a class.
 * The sandbox would not grant any of it anyway; saying so at the right line is what teaches.
 */
export function podSecurityFindings(objects: K8sObject[]): PodSecurityFinding[] {
  const findings: PodSecurityFinding[] = [];
  for (const obj of objects) {
    if (obj.kind !== "Deployment" && obj.kind !== "Pod") continue;
    const podPath: PathPart[] = obj.kind === "Pod" ? ["spec"] : ["spec", "template", "spec"];
    let pod = asRecord(obj.value);
    for (const part of podPath) pod = asRecord(pod[part as string]);
    const at = (path: PathPart[], message: string): void => {
      findings.push({
        obj,
        path: [...podPath, ...path],
        message: `${obj.kind} ${obj.name}: ${message}; pods here follow Pod Security "restricted"`,
      });
    };
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      if (pod[field] === true) at([field], `${field}: true shares the host's namespace`);
    }
    asArray(pod.volumes).forEach((raw, vi) => {
      const volume = asRecord(raw);
      for (const source of Object.keys(volume)) {
        if (!ALLOWED_VOLUME_SOURCES.has(source))
          at(["volumes", vi, source], `volume ${String(volume.name)} uses ${source}, which is not allowed`);
      }
    });
    const podContext = asRecord(pod.securityContext);
    if (podContext.runAsUser === 0) at(["securityContext", "runAsUser"], "runAsUser 0 runs as root");
    for (const list of ["containers", "initContainers", "ephemeralContainers"] as const) {
      asArray(pod[list]).forEach((raw, ci) => {
        const c = asRecord(raw);
        const ctx = asRecord(c.securityContext);
        const base: PathPart[] = [list, ci, "securityContext"];
        const name = `container ${String(c.name)}`;
        if (ctx.privileged === true) at([...base, "privileged"], `${name} asks to be privileged`);
        if (ctx.allowPrivilegeEscalation === true)
          at([...base, "allowPrivilegeEscalation"], `${name} allows privilege escalation`);
        if (ctx.runAsUser === 0) at([...base, "runAsUser"], `${name}: runAsUser 0 runs as root`);
        if (ctx.procMount !== undefined && ctx.procMount !== "Default")
          at([...base, "procMount"], `${name} asks for an unmasked /proc`);
        asArray(asRecord(ctx.capabilities).add).forEach((cap, ki) => {
          if (!ALLOWED_ADDED_CAPABILITIES.has(String(cap)))
            at([...base, "capabilities", "add", ki], `${name} adds the capability ${String(cap)}`);
        });
        asArray(c.ports).forEach((rawPort, pi) => {
          if (asRecord(rawPort).hostPort !== undefined)
            at([list, ci, "ports", pi, "hostPort"], `${name} asks for a port of the host (hostPort)`);
        });
      });
    }
  }
  return findings;
}
