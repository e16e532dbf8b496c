// Hostline live connection shared by the agent desk and the wallboard (docs/events.md).
// One websocket per page: reconnects with backoff; on every (re)connect the page reloads
// its REST snapshot first, then applies events — so nothing missed while offline sticks.
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function api(method, path, body) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    if (method !== "GET") opts.headers["X-CSRFToken"] = csrfToken();
    const resp = await fetch(path, opts);
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      const e = data && (data.error || data);
      const msg = (e && (e.message || e.detail)) || `Request failed (${resp.status})`;
      const err = new Error(typeof msg === "string" ? msg : JSON.stringify(msg));
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  // Heartbeats tick in a worker (background tabs throttle page timers); plain timers if
  // workers are unavailable.
  const TICKER = document.currentScript ? new URL("ticker.js", document.currentScript.src).href : null;
  function startTicker(ms, fn) {
    if (TICKER && window.Worker) {
      try {
        const w = new Worker(`${TICKER}?ms=${ms}`);
        w.onmessage = fn;
        return { worker: w };
      } catch (e) { /* fall back to a timer */ }
    }
    return { timer: setInterval(fn, ms) };
  }
  function stopTicker(t) {
    if (!t) return;
    if (t.worker) t.worker.terminate();
    if (t.timer) clearInterval(t.timer);
  }

  // connect({onEvent, onStatus, pingEvery}) → {close(), send(obj)}
  function connect(options) {
    const pingEvery = options.pingEvery || 2000;
    let ws = null, pingTimer = null, retry = 0, closed = false;
    const status = (s) => options.onStatus && options.onStatus(s);

    function open() {
      const proto = location.protocol === "https:" ? "wss" : "ws";
      ws = new WebSocket(`${proto}://${location.host}/ws/v1/events`);
      status("connecting");
      ws.onopen = () => {
        retry = 0;
        status("live");
        if (options.onOpen) options.onOpen();
        pingTimer = startTicker(pingEvery, () => send({ type: "ping" }));
        send({ type: "ping" });
      };
      ws.onmessage = (msg) => {
        let event;
        try { event = JSON.parse(msg.data); } catch (e) { return; }
        if (event.type === "session.revoked") { closed = true; location.href = "/login"; return; }
        options.onEvent(event);
      };
      ws.onclose = (ev) => {
        stopTicker(pingTimer);
        if (closed) return;
        if (ev.code === 4401 || ev.code === 4403) { status("signed-out"); location.href = "/login"; return; }
        status("reconnecting");
        const delay = Math.min(10000, 500 * 2 ** retry++) * (0.75 + Math.random() / 2);
        setTimeout(open, delay);
      };
    }
    function send(obj) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
    }
    open();
    return { send, close() { closed = true; stopTicker(pingTimer); if (ws) ws.close(); } };
  }

  function since(iso, nowMs) {
    if (!iso) return "";
    const s = Math.max(0, Math.floor(((nowMs || Date.now()) - Date.parse(iso)) / 1000));
    return clock(s);
  }
  function clock(s) {
    if (s === null || s === undefined) return "–";
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(sec).padStart(2, "0");
    return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  }
  function pct(x) { return x === null || x === undefined ? "–" : `${Math.round(x * 1000) / 10}%`; }
  const STATE_LABELS = {
    offline: "Offline", available: "Available", not_ready: "Not ready", reserved: "Ringing",
    on_call: "On a call", wrap_up: "Wrap-up",
  };

  window.Hostline = { api, connect, since, clock, pct, STATE_LABELS };
})();
