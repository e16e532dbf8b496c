// IVR builder (TEL-4): the flow's graph as a tree of node cards, edited in place.
// The server is the judge: "Check" and "Publish" send the graph to the API, whose
// validation (telephony/ivr.py) names each bad node; messages appear on those cards.
document.addEventListener("alpine:init", () => {
  const H = window.Hostline;
  const TYPES = {
    play: "Play a message", menu: "Menu (press a key)", collect: "Collect digits", hours: "Opening hours",
    tier: "VIP check", queue: "Send to queue", voicemail: "Voicemail", callback: "Offer a callback",
    transfer: "Transfer to a number", hangup: "Hang up", survey: "Survey (1 = satisfied, 2 = not)",
  };
  // Branches every type needs (in order), then the optional ones.
  const BRANCHES = {
    play: ["next"], collect: ["next"], survey: ["next"], hours: ["open", "closed"], tier: ["vip", "default"],
  };
  const OPTIONAL = { hours: ["holiday"], menu: ["default"], collect: ["default"] };
  const BRANCH_LABELS = {
    next: "Then", open: "When open", closed: "When closed", holiday: "On a holiday", vip: "VIP callers",
    default: "Everyone else / no key",
  };

  window.Alpine.data("ivrBuilder", (flowId) => ({
    flowId, flow: null, graph: { start: "", nodes: {} }, queues: [], versions: [],
    problems: {}, general: [], message: "", error: "", note: "", dirty: false, busy: false, showJson: false,
    TYPES, BRANCH_LABELS,

    async init() {
      this.queues = await H.api("GET", "/api/v1/queues");
      await this.load();
      window.addEventListener("beforeunload", (e) => { if (this.dirty) { e.preventDefault(); e.returnValue = ""; } });
    },
    async load() {
      const f = await H.api("GET", `/api/v1/ivr-flows/${this.flowId}`);
      this.flow = f; this.versions = f.versions;
      this.graph = JSON.parse(JSON.stringify(f.graph || { start: "", nodes: {} }));
      this.problems = {}; this.general = []; this.dirty = false;
    },

    // ---- tree layout: depth-first from the start; nodes nobody reaches are listed last
    order() {
      const seen = new Set(), out = [];
      const walk = (id, depth) => {
        if (!id || seen.has(id) || !this.graph.nodes[id]) return;
        seen.add(id); out.push({ id, depth });
        for (const [, target] of this.targets(id)) walk(target, depth + 1);
      };
      walk(this.graph.start, 0);
      for (const id of Object.keys(this.graph.nodes)) if (!seen.has(id)) out.push({ id, depth: 0, orphan: true });
      return out;
    },
    targets(id) {
      const n = this.graph.nodes[id] || {};
      const out = [...(BRANCHES[n.type] || []), ...(OPTIONAL[n.type] || [])].filter((b) => n[b]).map((b) => [b, n[b]]);
      if (n.type === "menu") for (const [k, v] of Object.entries(n.options || {})) out.push([`key ${k}`, this.optTarget(v)]);
      return out;
    },
    branchesOf(node) { return [...(BRANCHES[node.type] || []), ...(OPTIONAL[node.type] || [])]; },
    required(node, b) { return (BRANCHES[node.type] || []).includes(b); },
    nodeIds() { return Object.keys(this.graph.nodes); },
    optionKeys(node) { return Object.keys(node.options || {}); },
    // A menu option is a node id, or {"next": id, "language": "es"} when the key also sets the language.
    optTarget(v) { return v && typeof v === "object" ? v.next : v; },
    optLanguage(node, key) { const v = node.options[key]; return v && typeof v === "object" ? v.language || "" : ""; },
    setOptLanguage(node, key, lang) {
      const target = this.optTarget(node.options[key]);
      node.options[key] = lang ? { next: target, language: lang } : target;
      this.touch();
    },

    // ---- editing
    touch() { this.dirty = true; this.message = ""; },
    newId(base) {
      let i = 1;
      while (this.graph.nodes[`${base}${i}`]) i++;
      return `${base}${i}`;
    },
    addNode(type = "play") {
      const id = this.newId(type);
      const node = { type };
      if (type === "queue" || type === "callback") node.queue = this.queues.length ? this.queues[0].id : null;
      if (type === "play" || type === "menu" || type === "hangup") node.say = "";
      if (type === "menu") node.options = {};
      this.graph.nodes[id] = node;
      if (!this.graph.start) this.graph.start = id;
      this.touch();
      return id;
    },
    setTarget(node, key, value) {
      // "+type" in a branch select creates that node and links it
      if (value && value.startsWith("+")) value = this.addNode(value.slice(1));
      if (key.startsWith("opt:")) {
        const k = key.slice(4), old = node.options[k];
        node.options[k] = old && typeof old === "object" ? { ...old, next: value } : value;
      }
      else if (value) node[key] = value; else delete node[key];
      this.touch();
    },
    changeType(id, type) {
      const old = this.graph.nodes[id];
      const node = { type };
      if (old.say !== undefined && ["play", "menu", "collect", "hangup", "voicemail", "survey", "callback"].includes(type)) node.say = old.say;
      if (type === "menu") node.options = {};
      if (type === "queue" || type === "callback") node.queue = this.queues.length ? this.queues[0].id : null;
      this.graph.nodes[id] = node;
      this.touch();
    },
    addOption(node) {
      const used = new Set(Object.keys(node.options || {}));
      const key = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"].find((k) => !used.has(k));
      if (!key) return;
      node.options = { ...(node.options || {}), [key]: "" };
      this.touch();
    },
    renameOption(node, oldKey, newKey) {
      const opts = {};
      for (const [k, v] of Object.entries(node.options)) opts[k === oldKey ? newKey : k] = v;
      node.options = opts;
      this.touch();
    },
    removeOption(node, key) { const o = { ...node.options }; delete o[key]; node.options = o; this.touch(); },
    removeNode(id) {
      delete this.graph.nodes[id];
      if (this.graph.start === id) this.graph.start = Object.keys(this.graph.nodes)[0] || "";
      this.touch();
    },
    setInt(node, key, value) {
      if (value === "" || value === null) delete node[key]; else node[key] = Number(value);
      this.touch();
    },
    jsonText() { return JSON.stringify(this.graph, null, 2); },
    applyJson(text) {
      try { this.graph = JSON.parse(text); this.touch(); this.error = ""; } catch (e) { this.error = `Not JSON: ${e.message}`; }
    },

    // ---- server round trips
    showProblems(list) {
      this.problems = {}; this.general = [];
      for (const p of list) {
        if (p.node) (this.problems[p.node] = this.problems[p.node] || []).push(p.message);
        else this.general.push(p.message);
      }
    },
    async check() {
      this.busy = true; this.error = "";
      try {
        const r = await H.api("POST", "/api/v1/ivr-flows/validate", { graph: this.graph });
        this.showProblems(r.problems);
        this.message = r.ok ? "No problems: ready to publish." : "";
        return r.ok;
      } catch (e) { this.error = e.message; return false; } finally { this.busy = false; }
    },
    async publish() {
      if (!(await this.check())) return;
      this.busy = true;
      try {
        const v = await H.api("POST", `/api/v1/ivr-flows/${this.flowId}/publish`, { graph: this.graph, note: this.note });
        await this.load();
        this.note = "";
        this.message = `Published version ${v.version}. New calls follow it now.`;
      } catch (e) { this.error = e.message; } finally { this.busy = false; }
    },
    async restore(version) {
      if (this.dirty && !confirm("Discard your unpublished changes?")) return;
      this.busy = true;
      try {
        await H.api("POST", `/api/v1/ivr-flows/${this.flowId}/restore`, { version });
        await this.load();
        this.message = `Version ${version} is back in service (as a new version).`;
      } catch (e) { this.error = e.message; } finally { this.busy = false; }
    },
    queueName(id) { const q = this.queues.find((x) => x.id === id); return q ? q.name : `#${id}`; },
  }));
});
