// Sluice dashboard: polls the admin API every 5 s and draws tiles, SVG charts, the queue and the event feed.
// Every string from the API goes into the page through textContent or an SVG text node, never as markup.
"use strict";
(function () {
  const TOKEN_KEY = "sluice.admin.token";
  const REFRESH_MS = 5000;
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = { received: "#1f5fbf", delivered: "#1c7c3a", deferred: "#b36b00", bounced: "#c0262d",
    expired: "#7b3fa0", "2xx": "#1c7c3a", "4xx": "#b36b00", "5xx": "#c0262d" };

  const state = { window: "1h", stats: null, queue: null, events: null, timer: null, clockSkew: 0, inflight: false };
  const $ = (id) => document.getElementById(id);

  // ---- DOM building (text only) ----
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const c of children) if (c != null) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    if (text != null) e.textContent = String(text);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "class") e.setAttribute("class", v);
      else if (k === "text") e.textContent = String(v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
  }
  function setText(id, v) { $(id).textContent = v == null ? "–" : String(v); }
  function fill(tbody, rows, cols, emptyText) {
    tbody.replaceChildren(...(rows.length ? rows : [el("tr", null, el("td", { class: "empty", colspan: cols }, emptyText))]));
  }

  // ---- formatting ----
  const num = (n) => (n == null ? "–" : Number(n).toLocaleString("en-US"));
  // Rates come with 4 decimals; round half up in integers (toFixed would show 0.0455 as 4.5%).
  const pct = (r) => (r == null ? "–" : (Math.round(Math.round(r * 10000) / 10) / 10).toFixed(1) + "%");
  function ms(v) {
    if (v == null) return "–";
    if (v < 1000) return v + " ms";
    if (v < 60000) return (v / 1000) + " s";
    return (v / 60000) + " min";
  }
  function utcTime(iso, withDate) {
    const d = new Date(iso);
    if (isNaN(d)) return "–";
    const s = d.toISOString();
    return withDate ? s.slice(0, 10) + " " + s.slice(11, 19) : s.slice(11, 19);
  }
  function duration(msAbs) {
    const s = Math.round(msAbs / 1000);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
    return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
  }
  const nodeNow = () => Date.now() + state.clockSkew;
  function relative(iso) {
    if (!iso) return "–";
    const diff = new Date(iso).getTime() - nodeNow();
    return diff <= 0 ? "due" : "in " + duration(diff);
  }

  // ---- API ----
  class Unauthorized extends Error {}
  async function api(path, options) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) throw new Unauthorized("no token");
    const opts = Object.assign({ cache: "no-store", credentials: "omit" }, options || {});
    opts.headers = Object.assign({ Authorization: "Bearer " + token, Accept: "application/json" }, opts.headers || {});
    const r = await fetch(path, opts);
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (r.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new Unauthorized((body && body.error) || "token rejected");
    }
    if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
    return body;
  }

  // ---- token gate ----
  function askToken(message) {
    stop();
    $("dashboard").hidden = true;
    $("sign-out").hidden = true;
    $("token-gate").hidden = false;
    $("token-error").textContent = message || "";
    $("token-input").value = "";
    $("token-input").focus();
  }
  function showDashboard() {
    $("token-gate").hidden = true;
    $("dashboard").hidden = false;
    $("sign-out").hidden = false;
  }

  // ---- refresh loop ----
  function stop() { clearTimeout(state.timer); state.timer = null; }
  function schedule() {
    stop();
    if (!document.hidden && sessionStorage.getItem(TOKEN_KEY)) state.timer = setTimeout(refresh, REFRESH_MS);
  }
  async function refresh() {
    if (state.inflight) return;
    state.inflight = true;
    try {
      const [stats, queue, events, shaping, cluster] = await Promise.all([api("/api/v1/stats"), api("/api/v1/queue"),
        fetchEvents(), api("/api/v1/shaping"), api("/api/v1/cluster")]);
      state.stats = stats; state.queue = queue; state.events = events; state.shaping = shaping; state.cluster = cluster;
      state.clockSkew = new Date(stats.generated).getTime() - Date.now();
      showDashboard();
      render();
      $("last-refresh").textContent = new Date().toLocaleTimeString("en-GB");
      setConn("");
    } catch (e) {
      if (e instanceof Unauthorized) { askToken(e.message === "no token" ? "" : "The token was rejected: " + e.message); return; }
      setConn("Cannot reach the node: " + e.message + " — retrying", true);
    } finally {
      state.inflight = false;
    }
    schedule();
  }
  // Resolves to {q, list}: a slow answer for an older search must not replace the newer one.
  async function fetchEvents() {
    const q = $("event-search").value.trim();
    const list = await api("/api/v1/events?limit=200" + (q ? "&q=" + encodeURIComponent(q) : ""));
    return { q, list };
  }
  function showEvents(ev) {
    if (!ev || ev.q !== $("event-search").value.trim()) return;
    unlessSame("events", ev, () => renderEvents(ev.list));
    $("event-feed").dataset.query = ev.q;
  }
  function setConn(text, bad) {
    const c = $("conn-status");
    c.textContent = text;
    c.classList.toggle("bad", !!bad);
  }

  // ---- rendering ----
  const drawn = {};
  function unlessSame(key, data, draw) {
    const k = JSON.stringify(data);
    if (drawn[key] === k) return;
    drawn[key] = k;
    draw();
  }
  function render() {
    const s = state.stats;
    setText("node-time", utcTime(s.generated, true) + " UTC");
    renderAlerts(s.alerts || []);
    const w = s.windows[state.window];
    for (const k of ["received", "delivered", "deferred", "bounced", "expired", "rejected"]) {
      const v = $("tile-" + k).querySelector(".value");
      v.textContent = num(w[k]);
      v.dataset.value = w[k];
    }
    renderBounceTile(w.bounce_rate, s.bounce_rate_threshold);
    const lat = w.latency_ms || {};
    setText("latency-p50", ms(lat.p50));
    setText("latency-p90", ms(lat.p90));
    setText("latency-p99", ms(lat.p99));
    const seriesKey = state.window === "24h" ? "24h" : "1h";
    const series = s.series[seriesKey] || [];
    $("series-label").textContent = seriesKey === "1h" ? "(last hour, per minute)" : "(last 24 hours, per 15 minutes)";
    drawTraffic($("chart-traffic"), series);
    drawBounce($("chart-bounce"), series, s.bounce_rate_threshold);
    drawReplies($("chart-replies"), w.replies || {});
    renderCodes(w.codes || []);
    renderClasses(w.bounce_classes || {}, w.local_bounced || 0);
    renderListeners(w.listeners || {});
    renderQueueSummary(s.queue);
    // Ages tick, so the queue table is rebuilt at least every 30 s even when nothing changed.
    unlessSame("queue", [state.queue, Math.floor(nodeNow() / 30000)], () => renderQueue(state.queue || []));
    showEvents(state.events);
    // Suspensions count down, so the panel is redrawn at least every 30 s.
    unlessSame("shaping", [state.shaping, Math.floor(nodeNow() / 30000)], () => renderShaping(state.shaping));
    unlessSame("cluster", state.cluster, () => renderCluster(state.cluster));
  }

  // ---- cluster ----
  // A single node shows no panel at all; in cluster mode: this node's state and every node Redis has seen.
  function renderCluster(c) {
    const panel = $("cluster");
    if (!c || c.mode === "single") { panel.hidden = true; return; }
    panel.hidden = false;
    panel.dataset.state = c.state;
    $("cluster-mode").textContent = "(" + (c.redis || c.mode) + ")";
    const share = Math.round(c.degraded_share * 1000) / 10 + "%";
    const summary = $("cluster-summary");
    summary.replaceChildren(el("span", { class: "pill cluster-" + c.state, "data-testid": "cluster-state" }, c.state),
      " this node: ", el("b", { class: "mono" }, c.node), " · " + num(c.alive) + " of " + num((c.nodes || []).length)
        + " nodes alive · share while degraded " + share + " · " + num(c.redis_calls) + " Redis calls");
    const err = $("cluster-error");
    if (c.state === "degraded") {
      err.hidden = false;
      err.textContent = "Redis unreachable since " + utcTime(c.degraded_since, true) + " UTC"
        + (c.last_error ? ": " + c.last_error : "") + " — this node keeps to " + share + " of every shared limit";
    } else {
      err.hidden = true;
      err.textContent = "";
    }
    fill($("cluster-table").tBodies[0], (c.nodes || []).map((n) => el("tr",
      { "data-node": n.name, "data-alive": String(n.alive), class: n.alive ? null : "node-dead" },
      el("td", { class: "mono" }, n.name, n.self ? el("span", { class: "muted" }, " (this node)") : null),
      el("td", null, el("span", { class: "pill " + (n.alive ? "cluster-shared" : "cluster-degraded") }, n.alive ? "alive" : "silent")),
      el("td", { class: "nowrap" }, utcTime(n.last_seen, true) + " UTC"),
      el("td", { class: "num" }, num(n.queue)),
      el("td", null, n.state || "–"),
      el("td", { class: "nowrap" }, utcTime(n.started, true) + " UTC"))), 6, "No node has reached Redis yet");
  }

  // ---- shaping ----
  // A limit of null is "no limit"; rates under one a second read per minute (the backoff floor is 1/min).
  function perSecond(r) {
    if (r == null) return "no limit";
    return r >= 1 ? +r.toFixed(1) + "/s" : +(r * 60).toFixed(1) + "/min";
  }
  function renderShaping(sh) {
    if (!sh) return;
    const lanes = sh.lanes || [];
    $("shaping-note").textContent = sh.delivery === "paused" ? "(delivery is paused)"
      : sh.omitted ? "(" + num(sh.omitted) + " quieter single-domain lanes not listed)" : "";
    fill($("shaping-table").tBodies[0], lanes.map((l) => {
      const label = { ok: "ok", backing_off: "backing off", suspended: "suspended" }[l.state] || l.state;
      const stateCell = el("td", { class: "state" }, el("span", { class: "pill shaping-" + l.state }, label));
      if (l.state === "suspended") {
        stateCell.append(" until " + utcTime(l.suspended_until, true) + " UTC (" + relative(l.suspended_until) + ")");
        if (l.suspended_because) stateCell.append(el("div", { class: "error-text" }, l.suspended_because));
      }
      const conns = (c) => (c == null ? "no limit" : num(c));
      return el("tr", { "data-source": l.source, "data-group": l.group, "data-domain": l.domain || null,
        "data-state": l.state, class: l.state === "ok" ? null : "lane-" + l.state, title: l.rule ? "rule: " + l.rule : null },
        el("td", { class: "mono" }, l.source),
        el("td", { class: "mono" }, l.group, l.domain ? el("span", { class: "muted" }, " " + l.domain) : null),
        el("td", { class: "num" }, perSecond(l.rate_per_second)),
        el("td", { class: "num" }, perSecond(l.configured_rate_per_second)),
        el("td", { class: "num" }, conns(l.connections) + " of " + conns(l.configured_connections)),
        el("td", { class: "num" }, num(l.active)),
        el("td", { class: "num", title: num(l.waiting_for_rate) + " for a rate slot, " + num(l.waiting_for_connection)
          + " for a connection" }, num(l.waiting_for_rate + l.waiting_for_connection)),
        stateCell);
    }), 8, sh.delivery === "paused" ? "Delivery is paused" : "No lanes yet: one appears with the first message to its group");
    fill($("warmup-table").tBodies[0], (sh.warmup || []).map((w) => {
      const bar = el("span", { class: "bar", "aria-hidden": "true" }, el("span"));
      bar.firstChild.style.width = Math.min(100, Math.round(w.cap_today ? (w.sent_today / w.cap_today) * 100 : 0)) + "%";
      return el("tr", { "data-source": w.source, "data-group": w.group },
        el("td", { class: "mono" }, w.source), el("td", { class: "mono" }, w.group),
        el("td", { class: "num" }, w.day + " of " + w.days),
        el("td", { class: "num" }, num(w.sent_today)),
        el("td", null, bar, num(w.cap_today)),
        el("td", { class: "nowrap" }, w.ends_on || "–"));
    }), 6, "No source is warming up");
  }

  function renderAlerts(alerts) {
    const box = $("alerts");
    if (!alerts.length) { box.hidden = true; box.replaceChildren(); return; }
    box.hidden = false;
    box.replaceChildren(el("span", null, alerts.length === 1 ? "Alert" : alerts.length + " alerts"),
      el("ul", null, ...alerts.map((a) => el("li", { "data-kind": a.kind }, a.message,
        el("span", { class: "since" }, " — since " + utcTime(a.since, true) + " UTC")))));
  }

  function renderBounceTile(rate, threshold) {
    const tile = $("tile-bounce-rate");
    const v = tile.querySelector(".value");
    v.textContent = pct(rate);
    v.dataset.value = rate;
    let level = "ok";
    if (threshold > 0 && rate >= threshold) level = "over";
    else if (threshold > 0 && rate >= threshold * 0.66) level = "warn";
    tile.dataset.level = level;
    $("bounce-threshold").textContent = "alert at " + pct(threshold) + (level === "over" ? " — over" : "");
  }

  function renderCodes(codes) {
    fill($("codes-table").tBodies[0], codes.slice(0, 10).map((c) => el("tr", { "data-code": c.code },
      el("td", { class: "mono" }, el("span", { class: "pill " + codeClass(c.code) }, c.code)),
      el("td", { class: "num" }, num(c.count)),
      el("td", null, c.text || ""))), 3, "No remote replies in this window");
  }
  // Bounce classes are remote verdicts; operator and local bounces are a row of their own, not a class.
  function renderClasses(classes, local) {
    const names = Object.keys(classes).sort((a, b) => classes[b] - classes[a] || a.localeCompare(b));
    const rows = names.map((n) => el("tr", { "data-class": n },
      el("td", { class: "mono" }, n.replace(/_/g, " ")),
      el("td", { class: "num" }, num(classes[n]))));
    if (local) rows.push(el("tr", { "data-class": "local" },
      el("td", null, "not remote (operator or local delivery)"), el("td", { class: "num" }, num(local))));
    fill($("classes-table").tBodies[0], rows, 2, "No failed deliveries in this window");
  }
  const codeClass = (code) => ({ 2: "delivered", 4: "deferred", 5: "bounced" })[String(code).charAt(0)] || "";

  function renderListeners(listeners) {
    const ports = Object.keys(listeners).sort((a, b) => Number(a) - Number(b));
    fill($("listeners-table").tBodies[0], ports.map((p) => {
      const l = listeners[p];
      const bar = el("span", { class: "bar", "aria-hidden": "true" }, el("span"));
      bar.firstChild.style.width = Math.round((l.tls_share || 0) * 100) + "%";
      return el("tr", { "data-port": p }, el("td", { class: "mono" }, p), el("td", { class: "num" }, num(l.received)),
        el("td", { class: "num" }, num(l.tls)), el("td", null, bar, pct(l.tls_share)));
    }), 4, "No mail received in this window");
  }

  function renderQueueSummary(q) {
    // the API answers one page (the oldest 1,000): say so rather than let the table look like the whole queue
    const shown = (state.queue || []).length;
    $("queue-total").textContent = "(" + num(q.total) + " message" + (q.total === 1 ? "" : "s")
      + (shown < q.total && shown >= 1000 ? "; the oldest " + num(shown) + " listed" : "") + ")";
    const states = ["ready", "scheduled", "active", "held"];
    const by = q.by_state || {};
    for (const k of Object.keys(by)) if (!states.includes(k)) states.push(k);
    $("queue-states").replaceChildren(el("li", { "data-state": "total" }, "total ", el("b", null, num(q.total))),
      ...states.map((k) => el("li", { "data-state": k }, k + " ", el("b", null, num(by[k] || 0)))));
    fill($("dest-table").tBodies[0], (q.by_destination || []).map((d) => el("tr", { "data-destination": d.destination },
      el("td", { class: "mono" }, d.destination), el("td", { class: "num" }, num(d.messages)))), 2, "The queue is empty");
  }

  function renderQueue(messages) {
    const rows = messages.slice().sort((a, b) => String(a.received).localeCompare(String(b.received))).map((m) => {
      const held = m.state === "held";
      const btn = (action, label, opts) => el("button", Object.assign({ type: "button", "data-action": action,
        "aria-label": label + " " + m.id, onclick: () => act(m.id, action) }, opts || {}), label);
      return el("tr", { "data-id": m.id, "data-state": m.state },
        el("td", { class: "mono" }, m.id),
        el("td", { class: "nowrap", title: m.received }, duration(Math.max(0, nodeNow() - new Date(m.received).getTime()))),
        el("td", null, m.sender === "" ? "<> (null sender)" : m.sender),
        el("td", null, (m.recipients || []).join(", ")),
        el("td", { class: "state" }, el("span", { class: "pill " + m.state }, m.state)),
        el("td", { class: "num" }, m.attempts),
        el("td", { class: "nowrap", title: m.next_attempt || "" }, held ? "on hold" : relative(m.next_attempt)),
        el("td", { class: "error-text" }, m.last_error || ""),
        el("td", { class: "actions" },
          btn("hold", "Hold", { disabled: held }), btn("release", "Release", { disabled: !held }), btn("retry", "Retry"),
          btn("bounce", "Bounce", { class: "danger" }), btn("delete", "Delete", { class: "danger" })));
    });
    fill($("queue-table").tBodies[0], rows, 9, "No messages queued");
  }

  async function act(id, action) {
    if (action === "bounce" && !confirm("Bounce message " + id + "? The sender gets a failure notice.")) return;
    if (action === "delete" && !confirm("Delete message " + id + " without notifying the sender?")) return;
    const msg = $("queue-message");
    try {
      const r = action === "delete"
        ? await api("/api/v1/queue/" + encodeURIComponent(id), { method: "DELETE" })
        : await api("/api/v1/queue/" + encodeURIComponent(id) + "/" + action, { method: "POST" });
      msg.className = "notice ok";
      msg.textContent = id + ": " + ((r && r.result) || action + " done");
    } catch (e) {
      if (e instanceof Unauthorized) { askToken("The token was rejected: " + e.message); return; }
      msg.className = "notice error";
      msg.textContent = id + ": " + e.message;
    }
    refresh();
  }

  function renderEvents(events) {
    fill($("event-feed").tBodies[0], events.map((e) => {
      const where = e.remote_host || (e.listener ? "port " + e.listener : "");
      const reply = [e.code, e.enhanced_code, e.text].filter((x) => x != null && x !== "").join(" ");
      return el("tr", { "data-event": e.event, "data-queue-id": e.queue_id || "" },
        el("td", { class: "mono", title: e.ts }, utcTime(e.ts, false)),
        el("td", null, el("span", { class: "pill " + e.event }, e.event)),
        el("td", { class: "mono" }, e.queue_id || ""),
        el("td", null, e.sender == null ? "" : (e.sender === "" ? "<>" : e.sender)),
        el("td", { class: "recipient" }, e.recipient || ""),
        el("td", null, where, e.tls ? el("span", { class: "muted" }, " " + e.tls) : null),
        el("td", { class: "reply" }, reply));
    }), 7, $("event-search").value.trim() ? "No events match" : "No events yet");
  }

  // ---- charts ----
  const H = 220, M = { l: 44, r: 12, t: 10, b: 26 };
  // Charts are drawn at their box's pixel width, so labels keep their size in narrow cards.
  const widthOf = (root) => Math.max(280, Math.floor(root.getBoundingClientRect().width) || 640);

  // A 1-2-5 step giving at most 5 intervals up to v (whole numbers when counting), and the axis top.
  function scale(v, integers) {
    if (!(v > 0)) return { top: integers ? 4 : 1, step: integers ? 1 : 0.25 };
    const raw = v / 5;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw);
    if (integers) step = Math.max(1, Math.round(step));
    return { top: Math.ceil(v / step - 1e-9) * step, step };
  }

  // The frame shared by the time charts: gridlines, y ticks, x labels; returns coordinate mappers.
  function frame(root, series, { top: yMax, step }, yFormat, label) {
    const W = widthOf(root);
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": label });
    s.append(svg("title", null, label));
    const iw = W - M.l - M.r, ih = H - M.t - M.b;
    const x = (i) => M.l + (series.length <= 1 ? 0 : (i * iw) / (series.length - 1));
    const y = (v) => M.t + ih - (v / yMax) * ih;
    for (let k = 0; k * step <= yMax + 1e-9; k++) {
      const v = k * step;
      s.append(svg("line", { class: "gridline", x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }));
      s.append(svg("text", { x: M.l - 6, y: y(v) + 4, "text-anchor": "end" }, yFormat(v)));
    }
    s.append(svg("line", { class: "axis", x1: M.l, x2: M.l, y1: M.t, y2: M.t + ih }));
    s.append(svg("line", { class: "axis", x1: M.l, x2: W - M.r, y1: M.t + ih, y2: M.t + ih }));
    const ticks = 6;
    for (let k = 0; k <= ticks && series.length; k++) {
      const i = Math.round((k * (series.length - 1)) / ticks);
      s.append(svg("line", { class: "axis", x1: x(i), x2: x(i), y1: M.t + ih, y2: M.t + ih + 4 }));
      s.append(svg("text", { x: x(i), y: H - 8, "text-anchor": k === 0 ? "start" : k === ticks ? "end" : "middle" },
        utcTime(series[i].t, false).slice(0, 5)));
    }
    root.replaceChildren(s);
    return { s, x, y, W };
  }

  function legend(root, items) {
    root.append(el("ul", { class: "legend" }, ...items.map(([name, color, dashed]) => {
      const li = el("li", { class: dashed ? "dashed" : null }, name);
      li.style.setProperty("--swatch", color);
      return li;
    })));
  }

  function polyline(s, points, color, width, dash) {
    let d = "";
    let pen = false;
    for (const p of points) {
      if (p == null) { pen = false; continue; }
      d += (pen ? "L" : "M") + p[0].toFixed(1) + "," + p[1].toFixed(1);
      pen = true;
    }
    if (d) s.append(svg("path", { d, fill: "none", stroke: color, "stroke-width": width, "stroke-linejoin": "round",
      "stroke-dasharray": dash }));
  }

  function drawTraffic(root, series) {
    const keys = ["received", "delivered", "deferred", "bounced"];
    const max = scale(Math.max(0, ...series.flatMap((p) => keys.map((k) => p[k] || 0))), true);
    const totals = keys.map((k) => k + " " + series.reduce((a, p) => a + (p[k] || 0), 0)).join(", ");
    const { s, x, y } = frame(root, series, max, (v) => String(Math.round(v)),
      "Messages per interval: " + totals);
    for (const k of keys) {
      polyline(s, series.map((p, i) => [x(i), y(p[k] || 0)]), COLORS[k], 2);
      series.forEach((p, i) => { if (p[k]) s.append(svg("circle", { cx: x(i), cy: y(p[k]), r: 2.5, fill: COLORS[k] })); });
    }
    legend(root, keys.map((k) => [k, COLORS[k]]));
  }

  // Per point: failed / (delivered + failed), failed = bounced + expired, remote outcomes only (as the alert);
  // no point where nothing finished.
  function drawBounce(root, series, threshold) {
    const rates = series.map((p) => {
      const failed = (p.remote_bounced || 0) + (p.remote_expired || 0);
      const done = failed + (p.remote_delivered || 0);
      return done ? failed / done : null;
    });
    const max = scale(Math.min(1, Math.max(threshold * 2, ...rates.filter((r) => r != null))), false);
    const { s, x, y, W } = frame(root, series, max, (v) => +(v * 100).toFixed(1) + "%",
      "Bounce rate per interval with the alert threshold " + pct(threshold));
    s.append(svg("line", { class: "threshold", x1: M.l, x2: W - M.r, y1: y(threshold), y2: y(threshold) }));
    polyline(s, rates.map((r, i) => (r == null ? null : [x(i), y(r)])), COLORS.bounced, 2);
    rates.forEach((r, i) => { if (r != null) s.append(svg("circle", { cx: x(i), cy: y(r), r: 2.5, fill: COLORS.bounced },)); });
    legend(root, [["bounce rate", COLORS.bounced], ["threshold " + pct(threshold), COLORS.bounced, true]]);
  }

  function drawReplies(root, replies) {
    const classes = ["2xx", "4xx", "5xx"];
    const total = classes.reduce((a, c) => a + (replies[c] || 0), 0);
    const max = Math.max(1, ...classes.map((c) => replies[c] || 0));
    const w = widthOf(root), rowH = 26, lw = 36, vw = 70;
    const s = svg("svg", { viewBox: "0 0 " + w + " " + (classes.length * rowH + 4), role: "img",
      "aria-label": "Remote replies: " + classes.map((c) => c + " " + (replies[c] || 0)).join(", ") });
    classes.forEach((c, i) => {
      const v = replies[c] || 0;
      const y0 = i * rowH + 4;
      s.append(svg("text", { x: 0, y: y0 + 14 }, c));
      s.append(svg("rect", { x: lw, y: y0, width: w - lw - vw, height: 18, fill: "#eceef2", rx: 3 }));
      if (v) s.append(svg("rect", { x: lw, y: y0, width: Math.max(2, ((w - lw - vw) * v) / max), height: 18, fill: COLORS[c], rx: 3 }));
      s.append(svg("text", { x: w, y: y0 + 14, "text-anchor": "end", "data-class": c },
        num(v) + (total ? " (" + Math.round((v / total) * 100) + "%)" : "")));
    });
    root.replaceChildren(s);
  }

  // ---- wiring ----
  function init() {
    $("token-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const t = $("token-input").value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      $("token-error").textContent = "";
      refresh();
    });
    $("sign-out").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); askToken(""); });
    for (const b of document.querySelectorAll("[data-window]")) {
      b.addEventListener("click", () => {
        state.window = b.dataset.window;
        for (const o of document.querySelectorAll("[data-window]")) o.setAttribute("aria-pressed", String(o === b));
        if (state.stats) render();
      });
    }
    let debounce = null;
    const search = () => {
      clearTimeout(debounce);
      debounce = setTimeout(async () => {
        try {
          state.events = await fetchEvents();
          showEvents(state.events);
        } catch (e) {
          if (e instanceof Unauthorized) askToken("The token was rejected: " + e.message);
          else setConn("Search failed: " + e.message, true);
        }
      }, 250);
    };
    $("event-search").addEventListener("input", search);
    $("event-search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(); });
    let resize = null;
    window.addEventListener("resize", () => {
      clearTimeout(resize);
      resize = setTimeout(() => { if (state.stats) render(); }, 150);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) stop();
      else if (sessionStorage.getItem(TOKEN_KEY)) refresh();
    });
    if (sessionStorage.getItem(TOKEN_KEY)) refresh();
    else askToken("");
  }
  init();
})();
