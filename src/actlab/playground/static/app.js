// The playground page: builds its controls from /api/schema, keeps the whole state in the URL,
// and talks to the server over one WebSocket. The server checks every setting; this page only
// shows what the server accepted (its canonical state) and the messages for what it rejected.
"use strict";

const pg = {            // exposed as window.playground for tests and the curious
  schema: null, state: null, query: "", run: 0, playing: false, connected: false,
  points: { train: [], test: [], classes: 2 }, history: [], lastFrame: null,
  frames: 0, errors: [], curveLayer: 0,
};
window.playground = pg;

const $ = (id) => document.getElementById(id);
const KEY_ORDER = ["dataset", "noise", "points", "train", "dseed", "features", "layers", "act",
  "lr", "batch", "opt", "l2", "loss", "seed"];
let socket = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "className") node.className = v;
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) node.append(child);
  return node;
}

// ---- state <-> query ------------------------------------------------------------------------
// One layer as the server reads it: name:key=value:...; vectors a;b;c; text with the
// separators (, : = ;) and % escaped; null (a vector derived from the other params) left out.
const escapeText = (text) => text.replace(/[%,:=;]/g,
  (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

function encodeAct(act) {
  const parts = [act.name];
  for (const [k, v] of Object.entries(act.params)) {
    if (v === null || v === undefined) continue;
    parts.push(`${k}=${Array.isArray(v) ? v.join(";") : escapeText(String(v))}`);
  }
  return parts.join(":");
}

function toQuery(state) {
  const values = { ...state, features: state.features.join(","), layers: state.layers.join(","),
    act: state.act.map(encodeAct).join(",") };
  return KEY_ORDER.map((k) => `${k}=${encodeURIComponent(String(values[k]))
    .replace(/%2C/g, ",").replace(/%3A/g, ":").replace(/%3D/g, "=").replace(/%3B/g, ";")}`)
    .join("&");
}
pg.toQuery = toQuery;  // for tests: the page's own encoding of a state

function change(edit) {            // apply edit(copy of state) and ask the server for it
  const next = structuredClone(pg.state);
  edit(next);
  hideMessage();
  send({ type: "config", query: toQuery(next) });
}

// ---- messages -------------------------------------------------------------------------------
function showMessage(messages) {
  pg.errors = messages;
  $("message-list").replaceChildren(...messages.map((m) => el("li", {}, m)));
  $("message").hidden = false;
}
function hideMessage() { $("message").hidden = true; }

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onopen = () => {
    pg.connected = true;
    $("connection").textContent = "connected";
    $("connection").classList.remove("bad");
    send({ type: "config", query: location.search.slice(1) });
  };
  socket.onclose = () => {
    pg.connected = false;
    setPlaying(false);
    $("connection").textContent = "disconnected — reload the page";
    $("connection").classList.add("bad");
  };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "ready") onReady(msg);
    else if (msg.type === "frame") onFrame(msg);
    else if (msg.type === "status") setPlaying(msg.playing);
    else if (msg.type === "error") { showMessage(msg.messages); if (pg.state) render(); }
  };
}

function onReady(msg) {
  Object.assign(pg, { state: msg.state, query: msg.query, run: msg.run, history: msg.history,
    points: { train: msg.train, test: msg.test, classes: msg.classes }, lastFrame: null });
  history.replaceState(null, "", `?${msg.query}`);
  pg.curveLayer = Math.min(pg.curveLayer, Math.max(0, msg.state.layers.length - 1));
  render();
}

function onFrame(frame) {
  if (frame.run !== pg.run) return;  // from a setup that has since been replaced
  const last = pg.history[pg.history.length - 1];
  if (!last || frame.step > last.step) {
    pg.history.push({ step: frame.step, epoch: frame.epoch, train_loss: frame.train_loss,
      test_loss: frame.test_loss, train_acc: frame.train_acc, test_acc: frame.test_acc });
  }
  if (pg.history.length > 4000) {  // thin the curve, keep the latest point
    pg.history = pg.history.filter((_, i) => i % 2 === 0 || i === pg.history.length - 1);
  }
  pg.lastFrame = frame;
  pg.frames += 1;
  drawFrame();
}

function setPlaying(playing) {
  pg.playing = playing;
  $("play").textContent = playing ? "❚❚" : "▶";
  $("play").classList.toggle("playing", playing);
  showRunState();
}

// What the run is doing, in words: starting (in the page's HTML, so the first paint says it),
// then training…, or paused / ready to train.
function showRunState() {
  const state = $("run-state");
  if (!pg.lastFrame) return;
  state.textContent = pg.playing ? "training…" : pg.lastFrame.step > 0 ? "paused" : "ready: press ▶";
  state.classList.toggle("live", pg.playing);
}

// ---- controls -------------------------------------------------------------------------------
function numberField(key, value, onchange, extra = {}) {
  const spec = pg.schema.numbers[key];
  const input = el("input", { type: "number", id: `ctl-${key}`, value, min: spec.min,
    max: spec.max, step: spec.kind === "int" ? 1 : "any", onchange, ...extra });
  return el("div", { className: "field" }, el("label", { for: `ctl-${key}` }, spec.label), input);
}

function selectField(id, label, options, value, onchange) {
  const select = el("select", { id, onchange },
    ...options.map((o) => el("option", { value: o, selected: o === value }, o)));
  return el("div", { className: "field" }, el("label", { for: id }, label), select);
}

function readNumber(input) { return input.value.trim() === "" ? "" : input.value.trim(); }

function render() {
  const s = pg.state;
  const setKey = (key) => (e) => change((n) => { n[key] = readNumber(e.target); });
  $("training-controls").replaceChildren(
    numberField("lr", s.lr, setKey("lr")),
    numberField("batch", s.batch, setKey("batch")),
    selectField("ctl-opt", "Optimizer", pg.schema.choices.opt, s.opt,
      (e) => change((n) => { n.opt = e.target.value; })),
    numberField("l2", s.l2, setKey("l2")),
    selectField("ctl-loss", "Loss", pg.schema.choices.loss, s.loss,
      (e) => change((n) => { n.loss = e.target.value; })),
    numberField("seed", s.seed, setKey("seed")));
  $("datasets").replaceChildren(...pg.schema.datasets.map((name) => el("button", {
    id: `dataset-${name}`, className: name === s.dataset ? "active" : "",
    onclick: () => change((n) => { n.dataset = name; n.noise = pg.schema.default_noise[name]; }) },
    name)));
  $("data-controls").replaceChildren(
    numberField("noise", s.noise, setKey("noise"), { step: 0.01 }),
    numberField("train", s.train, setKey("train"), { step: 0.05 }),
    numberField("points", s.points, setKey("points")),
    numberField("dseed", s.dseed, setKey("dseed")));
  $("features").replaceChildren(...pg.schema.features.map((f) => el("label", {},
    el("input", { type: "checkbox", id: `feature-${f.key}`, checked: s.features.includes(f.key),
      onchange: (e) => change((n) => {
        n.features = e.target.checked ? [...n.features, f.key] : n.features.filter((k) => k !== f.key);
      }) }), ` ${f.label}`)));
  $("layer-count").textContent = s.layers.length;
  $("add-layer").disabled = s.layers.length >= pg.schema.max_layers;
  $("remove-layer").disabled = s.layers.length === 0;
  $("layers").replaceChildren(...s.layers.map((width, i) => layerCard(i, width, s.act[i])));
  $("curve-layer").replaceChildren(...s.layers.map((_, i) =>
    el("option", { value: i, selected: i === pg.curveLayer }, String(i + 1))));
  drawFrame();
}

function activationOptions(selected) {
  const families = new Map();
  for (const a of pg.schema.activations) {
    if (!families.has(a.family)) families.set(a.family, []);
    families.get(a.family).push(el("option", { value: a.name, selected: a.name === selected }, a.name));
  }
  return [...families].map(([family, options]) => el("optgroup", { label: family }, ...options));
}

function layerCard(i, width, act) {
  const spec = pg.schema.activations.find((a) => a.name === act.name);
  const setWidth = (w) => change((n) => { n.layers[i] = w; });
  const params = (spec ? spec.params : []).map((p) => paramField(i, p, act.params[p.name]));
  return el("div", { className: "layer", id: `layer-${i}` },
    el("div", { className: "width" },
      el("button", { disabled: width <= 1, onclick: () => setWidth(width - 1) }, "−"),
      el("span", {}, `${width} neurons`),
      el("button", { disabled: width >= pg.schema.max_width, onclick: () => setWidth(width + 1) }, "+")),
    el("select", { id: `act-${i}`, title: spec ? spec.summary : "", onchange: (e) => change((n) => {
      const chosen = pg.schema.activations.find((a) => a.name === e.target.value);
      n.act[i] = { name: chosen.name,
        params: Object.fromEntries(chosen.params.map((p) => [p.name, p.default])) };
    }) }, ...activationOptions(act.name)),
    el("button", { className: "wide", id: `act-all-${i}`, title: "Use this activation in every layer",
      onclick: () => change((n) => { n.act = n.act.map(() => structuredClone(act)); }) }, "use in all layers"),
    el("div", { className: "params" }, ...params),
    el("div", { className: "health", id: `health-${i}` }),
    el("div", { className: "neurons", id: `neurons-${i}` },
      ...Array.from({ length: width }, () => el("canvas", { width: 32, height: 32 }))));
}

function paramField(layer, p, value) {
  const id = `param-${layer}-${p.name}`;
  const label = el("label", { for: id, title: `${p.doc} Valid: ${p.valid}.` },
    p.learnable ? `${p.name} (initial, learned)` : p.name);
  const set = (v) => change((n) => { n.act[layer].params[p.name] = v; });
  let input;
  if (p.vector) {  // numbers separated by ';' (or spaces); empty: derived from the others
    input = el("input", { type: "text", id, value: Array.isArray(value) ? value.join("; ") : "",
      placeholder: "derived", onchange: (e) => {
        const parts = e.target.value.split(/[;,\s]+/).filter((t) => t !== "");
        set(parts.length ? parts : null);
      } });
  } else if (p.kind === "str" && !p.choices) {
    input = el("input", { type: "text", id, value, onchange: (e) => set(e.target.value.trim()) });
  } else if (p.kind === "bool") {
    input = el("input", { type: "checkbox", id, checked: value, onchange: (e) => set(e.target.checked) });
  } else if (p.choices) {
    input = el("select", { id, onchange: (e) => set(e.target.value) },
      ...p.choices.map((c) => el("option", { value: c, selected: c === value }, String(c))));
  } else {
    input = el("input", { type: "number", id, value, step: p.kind === "int" ? 1 : "any",
      min: p.min ?? false, max: p.max ?? false, onchange: (e) => set(readNumber(e.target)) });
  }
  return el("div", { className: "field" }, label, input);
}

// ---- drawing --------------------------------------------------------------------------------
function percent(v) { return v === null ? "–" : `${(100 * v).toFixed(0)}%`; }

function drawFrame() {
  const frame = pg.lastFrame;
  Draw.lossChart($("loss-chart"), pg.history);
  if (!frame) return;
  $("starting").hidden = true;
  showRunState();
  $("epoch").textContent = String(Math.floor(frame.epoch + 1e-9));  // completed epochs
  $("steps").textContent = frame.step;
  $("train-loss").textContent = frame.train_loss.toFixed(3);
  $("test-loss").textContent = frame.test_loss.toFixed(3);
  $("test-acc").textContent = percent(frame.test_acc);
  Draw.heatmap($("heatmap"), frame, pg.points, $("show-test").checked);
  frame.layers.forEach((layer, i) => {
    const h = layer.health;
    const box = $(`health-${i}`);
    if (box) {
      box.innerHTML = `<span>dead units <b>${percent(h.dead)}</b></span>` +
        `<span>inactive <b>${percent(h.inactive)}</b></span>` +
        `<span>saturated <b>${percent(h.saturated)}</b></span>` +
        `<span>mean |f′| <b>${h.mean_abs_d1 === null ? "–" : h.mean_abs_d1.toFixed(2)}</b></span>`;
      box.title = `dead: share of units with |f′| < ${h.eps} on every training point; ` +
        `inactive: share of (point, unit) pairs with f′ = 0 (the off piece of a piecewise-linear ` +
        `unit); saturated: share with 0 < |f′| < ${h.eps} (flat tails of a smooth unit) ` +
        `(actlab.diagnose)`;
    }
    const maps = Draw.bytes(layer.neurons.maps);
    const canvases = $(`neurons-${i}`) ? $(`neurons-${i}`).children : [];
    [...canvases].forEach((c, j) => {
      Draw.neuron(c, maps, j, frame.neuron_grid);
      c.classList.toggle("dead", h.dead_units[j]);
      c.title = `neuron ${j + 1}: |output| up to ${layer.neurons.scale[j]}` +
        (h.dead_units[j] ? ` — dead (|f′| < ${h.eps} on every training point)` : "");
    });
  });
  const shown = frame.layers[pg.curveLayer];
  if (shown) {
    Draw.curve($("curve"), shown);
    const act = pg.state.act[pg.curveLayer];
    $("curve-caption").textContent = `${act.name}: f (solid) and f′ (dashed) with the ` +
      `distribution of layer ${pg.curveLayer + 1}'s pre-activations on the training points.`;
  } else {
    $("curve").getContext("2d").clearRect(0, 0, $("curve").width, $("curve").height);
    $("curve-caption").textContent = "No hidden layer: the model is linear in its features.";
  }
}

// ---- wiring ---------------------------------------------------------------------------------
async function main() {
  pg.schema = await (await fetch("/api/schema")).json();
  $("play").onclick = () => send({ type: pg.playing ? "pause" : "play" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("regenerate").onclick = () => send({ type: "regenerate" });
  $("message-close").onclick = hideMessage;
  $("show-test").onchange = drawFrame;
  $("curve-layer").onchange = (e) => { pg.curveLayer = Number(e.target.value); drawFrame(); };
  $("add-layer").onclick = () => change((n) => {
    n.layers.push(n.layers.length ? n.layers[n.layers.length - 1] : 4);
    n.act.push(n.act.length ? structuredClone(n.act[n.act.length - 1]) : { name: "tanh", params: {} });
  });
  $("remove-layer").onclick = () => change((n) => { n.layers.pop(); n.act.pop(); });
  connect();
}

main().catch((err) => showMessage([`the page could not start: ${err}`]));
