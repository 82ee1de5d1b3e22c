// How the request panel shows an answer: JSON pretty-printed, a tone per status class, sizes in words.

/** Pretty-prints JSON bodies (by content type or by shape); anything else is returned as it came. */
export function formatBody(body: string, headers: Record<string, string>): { text: string; json: boolean } {
  const type = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
  const looksJson = /[/+]json\b/i.test(type) || /^\s*[[{]/.test(body);
  if (!looksJson || body.trim() === "") return { text: body, json: false };
  try {
    return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
  } catch {
    return { text: body, json: false };
  }
}

export type StatusTone = "ok" | "redirect" | "client-error" | "server-error" | "info";

export function statusTone(status: number): StatusTone {
  if (status >= 500) return "server-error";
  if (status >= 400) return "client-error";
  if (status >= 300) return "redirect";
  if (status >= 200) return "ok";
  return "info";
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Methods that carry a body in the panel (the field is hidden for the others). */
export const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);
