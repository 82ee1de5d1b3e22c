// The few class pages the server writes itself (join, teacher sign-in, errors): plain HTML forms, no script.
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin:1rem 0 .25rem}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1rem;padding:.5rem 1rem}.en{color:#57606a}.err{color:#b42318}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The join form: from an invite link the invite rides along hidden; otherwise the learner types the short code. */
export function joinPage(opts: { invite?: string; error?: string }): string {
  const heading = opts.invite
    ? `<h1>加入课堂</h1><p class="en">Join the class: choose the name your teacher will see.</p>`
    : `<h1>加入课堂</h1><p class="en">Join a class: type the code your teacher gave you.</p>`;
  const code = opts.invite
    ? `<input type="hidden" name="invite" value="${esc(opts.invite)}">`
    : `<label for="code">课堂代码 · Class code</label><input id="code" name="code" autocomplete="off" required maxlength="20">`;
  return page(
    "加入课堂 · Join a class",
    `${heading}${opts.error ? `<p class="err" role="alert">${esc(opts.error)}</p>` : ""}
<form method="post" action="/class/join">${code}
<label for="name">你的名字 · Your name</label><input id="name" name="name" required maxlength="40" autocomplete="nickname">
<button type="submit">加入 · Join</button></form>`,
  );
}

export function teacherPage(opts: { className: string; token: string }): string {
  return page(
    "教师 · Teacher",
    `<h1>「${esc(opts.className)}」教师</h1><p class="en">Teacher of “${esc(opts.className)}”</p>
<form method="post" action="/class/teacher"><input type="hidden" name="token" value="${esc(opts.token)}">
<button type="submit">打开课堂墙 · Open the class wall</button></form>`,
  );
}

export function messagePage(zh: string, en: string): string {
  return page(
    en,
    `<p>${esc(zh)}</p><p class="en">${esc(en)}</p><p><a href="/class/join">加入课堂 · Join a class</a></p>`,
  );
}

/** A learner's own link, opened on another computer: one button continues as them. */
export function returnPage(opts: { displayName: string; token: string }): string {
  return page(
    "继续学习 · Continue",
    `<h1>以「${esc(opts.displayName)}」继续</h1><p class="en">Continue as “${esc(opts.displayName)}”</p>
<form method="post" action="/class/return"><input type="hidden" name="token" value="${esc(opts.token)}">
<button type="submit">继续 · Continue</button></form>`,
  );
}
