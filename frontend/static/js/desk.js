// The agent desk (RT-1): state, incoming banner, screen pop, in-call controls, wrap-up,
// today's stats, callbacks and voicemail. State of truth = GET /api/v1/desk; the socket
// tells us when to look again. Keyboard: A available, N not ready, Enter answer,
// Esc decline, H hold, M mute, T transfer, W focus wrap-up.
document.addEventListener("alpine:init", () => {
  const H = window.Hostline;

  window.Alpine.data("desk", () => ({
    link: "connecting",
    me: null, ringing: [], call: null, today: {}, reasons: [], dispositions: [], queues: [], colleagues: [],
    callbacks: [], backlog: [], outbound: { campaigns: [], contact: null }, campaignNote: "",
    ccResult: { outcome: "", objection: "", grade: "", callback_at: "", note: "" },
    now: Date.now(), error: "", busy: false, reason: "break",
    kb: { q: "", results: [], searched: false, open: null }, identityDone: false,
    keypad: false, newContact: { first_name: "", last_name: "", email: "" }, contactNote: "",
    transfer: { open: false, kind: "agent", agent: "", queue: "", number: "", warm: true, note: "" },
    conf: { open: false, kind: "agent", agent: "", number: "" },
    wrap: { disposition: "", notes: "", next: "available", reason: "break" },
    softphone: { provider: "", status: "starting" },
    _reload: null, socket: null,

    init() {
      setInterval(() => { this.now = Date.now(); }, 1000);
      this.socket = H.connect({
        onStatus: (s) => { this.link = s; },
        onOpen: () => { this.queues = []; this.load(); this.loadLists(); },  // resubscribe on every connect
        onEvent: (e) => this.onEvent(e),
      });
      this.startSoftphone();
      window.addEventListener("keydown", (e) => this.onKey(e));
    },

    onEvent(e) {
      if (e.type === "agent.state" && this.me && e.agent === this.me.agent) {
        this.me.state = e.state; this.me.reason = e.reason; this.me.state_since = e.since;
      }
      if (["agent.state", "call.offer", "call.update"].includes(e.type)) this.scheduleLoad();
      if (e.type === "backlog.update") this.loadLists();
      if (e.type === "queue.stats") {
        const q = this.queues.find((x) => x.id === e.queue);
        if (q) { q.waiting = e.waiting; q.longest_wait_s = e.longest_wait_s; }
      }
    },

    scheduleLoad() {
      clearTimeout(this._reload);
      this._reload = setTimeout(() => this.load(), 60);
    },

    async load() {
      try {
        const s = await H.api("GET", "/api/v1/desk");
        const prevCall = this.call && this.call.id;
        const firstLoad = !this.queues.length;
        const prevContact = this.outbound.contact && this.outbound.contact.id;
        Object.assign(this, { me: s.me, ringing: s.ringing, call: s.call, today: s.today, reasons: s.reasons,
          dispositions: s.dispositions, queues: s.queues, colleagues: s.colleagues, outbound: s.outbound });
        if (s.outbound.contact && s.outbound.contact.id !== prevContact) {
          this.ccResult = { outcome: "", objection: "", grade: s.outbound.contact.grade || "", callback_at: "", note: "" };
        }
        if (firstLoad && s.queues.length) this.socket.send({ type: "subscribe", queues: s.queues.map((q) => q.id) });
        if (this.call && this.call.id !== prevCall) {
          this.wrap = { disposition: "", notes: "", next: "available", reason: "break" };
          this.transfer.open = false; this.conf.open = false;
          this.identityDone = false; this.kb = { q: "", results: [], searched: false, open: null };
        }
      } catch (err) { this.error = err.message; }
    },

    async searchKb() {
      try {
        this.kb.results = await H.api("GET", `/api/v1/kb?q=${encodeURIComponent(this.kb.q)}`);
        this.kb.searched = true; this.kb.open = null;
      } catch (err) { this.error = err.message; }
    },

    async openArticle(a) {
      const call = this.call ? `&call=${this.call.id}` : "";
      try { this.kb.open = await H.api("GET", `/api/v1/kb/${a.id}?q=${encodeURIComponent(this.kb.q)}${call}`); }
      catch (err) { this.error = err.message; }
    },

    async verifyIdentity(method) {
      if (!this.call || this.busy) return;
      this.busy = true;
      try {
        await H.api("POST", "/api/v1/kb/identity-checks", { call: this.call.id, method: method.slice(0, 120) });
        this.identityDone = true;
      } catch (err) { this.error = err.message; } finally { this.busy = false; }
    },

    async loadLists() {
      try {
        this.callbacks = (await H.api("GET", "/api/v1/callbacks")).filter((c) => c.status !== "completed"
          && c.status !== "cancelled").slice(0, 20);
        const fresh = await H.api("GET", "/api/v1/backlog?status=new");
        const working = await H.api("GET", "/api/v1/backlog?status=contacting");
        this.backlog = [...fresh, ...working].slice(0, 20);
      } catch (err) { /* lists are secondary: the desk keeps working */ }
    },

    async startSoftphone() {
      try {
        const t = await H.api("GET", "/api/v1/agents/me/softphone-token");
        this.softphone.provider = t.provider;
        if (t.provider === "twilio" && window.Twilio && window.Twilio.Device) {
          const device = new window.Twilio.Device(t.token, { closeProtection: true });
          device.on("registered", () => { this.softphone.status = "ready"; });
          device.on("error", (err) => { this.softphone.status = `error: ${err.message}`; });
          device.on("incoming", (conn) => conn.accept());  // the agent already accepted on the desk
          device.register();
          this.softphone.device = device;
        } else {
          this.softphone.status = "ready";  // sandbox: the carrier answers the browser's leg itself
        }
      } catch (err) { this.softphone.status = `unavailable: ${err.message}`; }
    },

    // ---- helpers for the template
    label(state) { return H.STATE_LABELS[state] || state; },
    clock(s) { return H.clock(s); },
    pct(x) { return H.pct(x); },
    inState() { return this.me ? H.since(this.me.state_since, this.now) : ""; },
    ringLeft(r) {
      if (!r.expires_at) return "";
      return `${Math.max(0, Math.ceil((Date.parse(r.expires_at) - this.now) / 1000))} s`;
    },
    talkTime() {
      if (!this.call || !this.call.answered_at) return "";
      const end = this.call.ended_at ? Date.parse(this.call.ended_at) : this.now;
      return H.clock((end - Date.parse(this.call.answered_at)) / 1000);
    },
    acwLeft() {
      if (!this.me || this.me.state !== "wrap_up" || !this.me.wrap_up_until) return "";
      return H.clock(Math.max(0, (Date.parse(this.me.wrap_up_until) - this.now) / 1000));
    },
    connected() { return this.call && this.call.status === "connected" && this.call.mine; },
    onHold() { return this.call && this.call.legs.some((l) => l.role === "caller" && l.on_hold); },
    myLeg() {
      if (!this.call || !this.me) return null;
      return this.call.legs.find((l) => l.user === this.me.email && ["ringing", "in_progress"].includes(l.status));
    },
    muted() { const l = this.myLeg(); return !!(l && l.muted); },
    consulting() { return !!this.consultLeg(); },
    consultReady() { const l = this.consultLeg(); return !!(l && l.status === "in_progress"); },
    consultLeg() {
      return this.call && this.call.legs.find((l) => l.role === "consult" && ["ringing", "in_progress"].includes(l.status));
    },
    wrapping() { return !!(this.me && this.me.state === "wrap_up" && this.call); },

    // ---- actions
    async act(fn) {
      if (this.busy) return;
      this.busy = true; this.error = "";
      try { await fn(); await this.load(); } catch (err) { this.error = err.message; } finally { this.busy = false; }
    },
    setState(state) {
      return this.act(() => H.api("PUT", "/api/v1/agents/me/state",
        { state, reason: state === "not_ready" ? this.reason : "" }));
    },
    accept(r) { return this.act(() => H.api("POST", `/api/v1/calls/${r.id}/accept`)); },
    decline(r) { return this.act(() => H.api("POST", `/api/v1/calls/${r.id}/decline`)); },
    hold() { return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/hold`, { hold: !this.onHold() })); },
    mute() { return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/mute`, { muted: !this.muted() })); },
    hangup() { return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/hangup`)); },
    recording() {
      return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/recording`,
        { paused: !this.call.recording_paused }));
    },
    sendTransfer() {
      const t = this.transfer, body = { warm: t.warm && t.kind !== "queue", note: t.note };
      if (t.kind === "agent") body.to_agent = Number(t.agent) || null;
      if (t.kind === "queue") body.to_queue = Number(t.queue) || null;
      if (t.kind === "number") body.to_number = t.number.trim();
      return this.act(async () => {
        await H.api("POST", `/api/v1/calls/${this.call.id}/transfer`, body);
        this.transfer.open = false;
      });
    },
    createContact() {
      const c = this.newContact;
      return this.act(async () => {
        await H.api("POST", "/api/v1/contacts?source=desk", { ...c, phones: [this.call.ani] });
        this.newContact = { first_name: "", last_name: "", email: "" };
      });
    },
    addNote() {
      const text = this.contactNote.trim();
      if (!text) return;
      return this.act(async () => {
        await H.api("POST", `/api/v1/contacts/${this.call.pop.contact.id}/notes`, { text });
        this.contactNote = "";
      });
    },
    async backlogDo(item, action, body) {
      this.error = "";
      try { await H.api("POST", `/api/v1/backlog/${item.id}/${action}`, body); await this.loadLists(); }
      catch (err) { this.error = err.message; }
    },
    sendDigit(key) {
      const call = this.softphone.device && this.softphone.device.calls && this.softphone.device.calls[0];
      if (call) { call.sendDigits(key); return; }  // Twilio: in-band from the browser's own audio
      return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/digits`, { digits: key }));
    },
    // ---- outbound campaigns: preview a record, dial or skip it, record the result
    campaignNext(c) {
      return this.act(async () => {
        const r = await H.api("POST", `/api/v1/campaigns/${c.id}/next`);
        this.campaignNote = r.contact ? (r.may_dial ? "" : "Not dialable now: " + Object.entries(r.checks)
          .filter(([, v]) => v !== "ok").map(([k, v]) => `${k}: ${v}`).join("; ")) : "Nothing to call in this campaign now.";
      });
    },
    campaignDial() {
      return this.act(() => H.api("POST", `/api/v1/campaign-contacts/${this.outbound.contact.id}/dial`));
    },
    campaignSkip() {
      return this.act(() => H.api("POST", `/api/v1/campaign-contacts/${this.outbound.contact.id}/skip`));
    },
    campaignResult() {
      const r = this.ccResult, body = { outcome: r.outcome, objection: r.objection, grade: r.grade, note: r.note };
      if (r.outcome === "callback") body.callback_at = r.callback_at ? new Date(r.callback_at).toISOString() : null;
      return this.act(async () => {
        await H.api("POST", `/api/v1/campaign-contacts/${this.outbound.contact.id}/result`, body);
        this.campaignNote = "Result saved.";
      });
    },
    completeTransfer() { return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/transfer/complete`)); },
    cancelConsult() { return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/transfer/cancel`)); },
    sendConference() {
      const c = this.conf;
      const body = c.kind === "agent" ? { to_agent: Number(c.agent) || null } : { to_number: c.number.trim() };
      return this.act(async () => {
        await H.api("POST", `/api/v1/calls/${this.call.id}/conference`, body);
        this.conf.open = false;
      });
    },
    submitWrap() {
      const w = this.wrap;
      return this.act(() => H.api("POST", `/api/v1/calls/${this.call.id}/wrap-up`, {
        disposition: w.disposition, notes: w.notes, next_state: w.next,
        reason: w.next === "not_ready" ? w.reason : "",
      }));
    },

    onKey(e) {
      const tag = (e.target.tagName || "").toLowerCase();
      if (["input", "textarea", "select"].includes(tag) || e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key.toLowerCase();
      if (k === "enter" && this.ringing.length) { e.preventDefault(); this.accept(this.ringing[0]); }
      else if (k === "escape" && this.ringing.length) { this.decline(this.ringing[0]); }
      else if (k === "a" && this.me && this.me.state !== "on_call") { this.setState("available"); }
      else if (k === "n" && this.me && this.me.state !== "on_call") { this.setState("not_ready"); }
      else if (k === "h" && this.connected()) { this.hold(); }
      else if (k === "m" && this.connected()) { this.mute(); }
      else if (k === "t" && this.connected()) { e.preventDefault(); this.transfer.open = true; }
      else if (k === "w" && this.wrapping()) { e.preventDefault(); document.getElementById("wrap-disposition").focus(); }
    },
  }));
});
