// The supervisor wallboard (RT-2): agents by state with time in state, queue tiles, alerts,
// and actions (force state, monitor / whisper / barge). Snapshot = GET /api/v1/wallboard;
// agent.state, queue.stats and alert events patch it in place; call.update reloads it.
document.addEventListener("alpine:init", () => {
  const H = window.Hostline;
  const ORDER = ["on_call", "reserved", "wrap_up", "available", "not_ready", "offline"];

  window.Alpine.data("wallboard", () => ({
    link: "connecting", agents: [], queues: [], alerts: [], now: Date.now(), error: "", notice: "",
    big: localStorage.getItem("hostline.wallboard.big") === "1", showBots: false,
    listening: null, _reload: null,

    init() {
      setInterval(() => { this.now = Date.now(); }, 1000);
      H.connect({
        onStatus: (s) => { this.link = s; },
        onOpen: () => this.load(),
        onEvent: (e) => this.onEvent(e),
      });
      this.applyBig();
    },

    async load() {
      try {
        const s = await H.api("GET", "/api/v1/wallboard");
        this.agents = s.agents; this.queues = s.queues; this.alerts = s.alerts;
      } catch (err) { this.error = err.message; }
    },
    scheduleLoad() { clearTimeout(this._reload); this._reload = setTimeout(() => this.load(), 150); },

    onEvent(e) {
      if (e.type === "agent.state") {
        const a = this.agents.find((x) => x.agent === e.agent);
        if (a) { a.state = e.state; a.reason = e.reason; a.since = e.since; } else this.scheduleLoad();
      } else if (e.type === "queue.stats") {
        const i = this.queues.findIndex((q) => q.queue === e.queue);
        const { v, type, ...tile } = e;
        if (i >= 0) this.queues.splice(i, 1, tile); else this.queues.push(tile);
      } else if (e.type === "alert") {
        const key = (a) => `${a.queue}:${a.kind}`;
        this.alerts = this.alerts.filter((a) => key(a) !== key(e));
        if (e.active) this.alerts.unshift(e);
      } else if (e.type === "call.update") {
        this.scheduleLoad();  // who is on which call
      }
    },

    visibleAgents() {
      return this.agents.filter((a) => this.showBots || !a.bot)
        .slice().sort((x, y) => ORDER.indexOf(x.state) - ORDER.indexOf(y.state) || x.name.localeCompare(y.name));
    },
    counts() {
      const c = {};
      for (const a of this.agents.filter((x) => this.showBots || !x.bot)) c[a.state] = (c[a.state] || 0) + 1;
      return c;
    },
    label(s) { return H.STATE_LABELS[s] || s; },
    since(iso) { return H.since(iso, this.now); },
    clock(s) { return H.clock(s); },
    pct(x) { return H.pct(x); },
    slClass(q) {
      if (q.service_level === null) return "";
      return q.service_level * 100 >= q.sl_target_pct ? "good" : "bad";
    },
    toggleBig() {
      this.big = !this.big;
      localStorage.setItem("hostline.wallboard.big", this.big ? "1" : "0");
      this.applyBig();
    },
    applyBig() { document.body.classList.toggle("bigscreen", this.big); },

    async act(fn, notice) {
      this.error = ""; this.notice = "";
      try { await fn(); if (notice) this.notice = notice; } catch (err) { this.error = err.message; }
    },
    force(a, state) {
      return this.act(() => H.api("POST", `/api/v1/agents/${a.agent}/state`, { state, reason: "" }));
    },
    monitor(a, mode) {
      return this.act(async () => {
        await H.api("POST", `/api/v1/calls/${a.call}/monitor`, { mode });
        this.listening = { call: a.call, mode, agent: a.name };
      }, `${mode === "monitor" ? "Listening to" : mode === "whisper" ? "Whispering to" : "Barged into the call of"} ${a.name}`);
    },
    stopMonitor() {
      const l = this.listening;
      return this.act(async () => {
        await H.api("POST", `/api/v1/calls/${l.call}/monitor/stop`);
        this.listening = null;
      }, "Left the call");
    },
  }));
});
