/** The status page's style: readable on a phone, no fonts or images fetched from anywhere. */
export const STATUS_CSS = `:root{color-scheme:light dark;--muted:#6b7280;--line:#d1d5db;--held:#b45309;--free:#047857}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;padding:12px;max-width:1100px;margin:auto}
header h1{margin:0 0 2px;font-size:20px}.server{margin:0 0 8px;color:var(--muted)}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:0 0 8px}label{display:flex;flex-direction:column;font-size:13px;color:var(--muted)}
input{font:inherit;padding:6px 8px;min-width:12em;border:1px solid var(--line);border-radius:6px}button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid var(--line);cursor:pointer}
.notice{color:#b91c1c}.summary{color:var(--muted);margin:8px 0}.empty{color:var(--muted)}
.lock{border:1px solid var(--line);border-left:4px solid var(--free);border-radius:6px;padding:8px 12px;margin:8px 0}.lock.held{border-left-color:var(--held)}
.lock h2{font-size:16px;margin:0;overflow-wrap:anywhere}.lock h2 small{font-weight:normal;color:var(--muted)}
.lock h3{font-size:13px;margin:8px 0 2px;color:var(--muted);font-weight:600}ul,ol{margin:0;padding-left:20px}
li{margin:2px 0;overflow-wrap:anywhere}.who{font-family:ui-monospace,monospace;font-size:13px}.facts{color:var(--muted);font-size:13px}
[hidden]{display:none!important}#live.live{color:var(--free);font-weight:600}
@media (max-width:600px){body{padding:8px}input{min-width:0;width:100%}label{flex:1 1 100%}}
`;

/**
 * The status page's script: keeps the token for the tab (sessionStorage, never the URL), reads
 * the live stream with it (fetch, since EventSource cannot send a header), swaps in the HTML
 * the server renders, and keeps durations counting between changes.
 */
export const STATUS_JS = `"use strict";
(() => {
  const KEY = "lockgate-status-token";
  const form = document.getElementById("filter");
  const main = document.getElementById("locks");
  const live = document.getElementById("live");
  const tokenField = document.getElementById("token-field");
  const needsToken = document.body.dataset.auth === "token";
  let offset = 0;
  let stop = () => {};
  const fmt = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + "s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + "m" + String(s % 60).padStart(2, "0") + "s";
    return Math.floor(m / 60) + "h" + String(m % 60).padStart(2, "0") + "m";
  };
  const tick = () => {
    const now = Date.now() + offset;
    for (const el of document.querySelectorAll("time[data-since]")) el.textContent = fmt(now - Number(el.dataset.since));
    for (const el of document.querySelectorAll("time[data-until]")) {
      const left = Number(el.dataset.until) - now;
      el.textContent = left > 0 ? "in " + fmt(left) : "now (overdue)";
    }
  };
  const state = (text, on) => { live.textContent = text; live.className = on ? "live" : ""; };
  const show = (html) => {
    main.innerHTML = html;
    const stamp = main.querySelector("time[data-stamp]");
    if (stamp) offset = Number(stamp.dataset.stamp) - Date.now();
    tick();
  };
  const signOut = document.createElement("button");
  signOut.type = "button";
  signOut.textContent = "Forget token";
  signOut.hidden = true;
  signOut.addEventListener("click", () => { sessionStorage.removeItem(KEY); connect(); });
  form.append(signOut);
  async function connect() {
    stop();
    const token = sessionStorage.getItem(KEY);
    if (tokenField) tokenField.hidden = Boolean(token);
    signOut.hidden = !token;
    if (tokenField) tokenField.querySelector("input").required = !token;
    if (needsToken && !token) { state("no token", false); return; }
    const controller = new AbortController();
    stop = () => controller.abort();
    const prefix = form.elements.prefix.value;
    const headers = token ? { authorization: "Bearer " + token } : {};
    try {
      const res = await fetch("/v1/status/stream?prefix=" + encodeURIComponent(prefix), { headers, signal: controller.signal, cache: "no-store" });
      if (res.status === 401 || res.status === 403) {
        sessionStorage.removeItem(KEY);
        if (tokenField) { tokenField.hidden = false; tokenField.querySelector("input").required = true; }
        signOut.hidden = true;
        state("token refused", false);
        main.innerHTML = '<p class="notice" role="alert">The token was refused.</p>';
        return;
      }
      if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
      state("live", true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\\n\\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split("\\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\\n");
          if (data) show(data);
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    state("reconnecting", false);
    setTimeout(connect, 1000);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.elements.token;
    if (input && input.value) { sessionStorage.setItem(KEY, input.value); input.value = ""; }
    history.replaceState(null, "", "/?prefix=" + encodeURIComponent(form.elements.prefix.value));
    connect();
  });
  setInterval(tick, 1000);
  connect();
})();
`;
