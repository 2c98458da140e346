// Canvas drawing for the playground: heatmap with points, loss curves, neuron maps, and the
// activation's f and f' over the histogram of its pre-activations. Pure functions of the data.
"use strict";

window.Draw = (() => {
  const PALETTE = [[245, 147, 34], [8, 119, 189], [46, 160, 67], [190, 60, 160], [120, 90, 40]];
  const WHITE = [255, 255, 255];

  function bytes(b64) {
    const text = atob(b64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function mix(a, b, t) {
    return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
  }

  // Fill a cells x cells image from colour(i) and draw it scaled (smoothed) onto ctx.
  function paint(ctx, cells, colour, width, height) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = cells;
    const tctx = tile.getContext("2d");
    const image = tctx.createImageData(cells, cells);
    for (let i = 0; i < cells * cells; i++) {
      const [r, g, b] = colour(i);
      image.data.set([r, g, b, 255], 4 * i);
    }
    tctx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile, 0, 0, width, height);
  }

  // Probabilities (class-major bytes) -> the winning class's colour, paler where unsure.
  function heatmap(canvas, frame, points, showTest) {
    const ctx = canvas.getContext("2d");
    const probs = bytes(frame.heat);
    const cells = frame.grid * frame.grid;
    const k = probs.length / cells;
    paint(ctx, frame.grid, (i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (probs[c * cells + i] > probs[best * cells + i]) best = c;
      const p = probs[best * cells + i] / 255;
      const strength = Math.max(0, (p - 1 / k) / (1 - 1 / k));
      return mix(WHITE, PALETTE[best % PALETTE.length], 0.75 * strength);
    }, canvas.width, canvas.height);
    const sets = showTest ? [[points.train, "#fff"], [points.test, "#000"]] : [[points.train, "#fff"]];
    for (const [list, stroke] of sets) {
      for (const [x, y, c] of list) {
        ctx.beginPath();
        ctx.arc((x + 1) / 2 * canvas.width, (1 - y) / 2 * canvas.height, 3.2, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${PALETTE[c % PALETTE.length].join(",")})`;
        ctx.fill();
        ctx.lineWidth = 1;
        ctx.strokeStyle = stroke;
        ctx.stroke();
      }
    }
  }

  // Unit outputs in [0, 1] (0.5 = zero): orange below zero, blue above.
  function neuron(canvas, maps, index, cells) {
    const ctx = canvas.getContext("2d");
    const start = index * cells * cells;
    paint(ctx, cells, (i) => {
      const v = maps[start + i] / 255 * 2 - 1;
      return v < 0 ? mix(WHITE, PALETTE[0], -v) : mix(WHITE, PALETTE[1], v);
    }, canvas.width, canvas.height);
  }

  // "Nice" tick values (1, 2 or 5 times a power of ten), about `count` of them; with `widen`
  // the first and last tick are moved out to enclose [lo, hi], so there are always two.
  function ticks(lo, hi, count, widen = false) {
    const raw = (hi - lo) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
    const first = (widen ? Math.floor(lo / step + 1e-9) : Math.ceil(lo / step - 1e-9)) * step;
    const last = widen ? Math.ceil(hi / step - 1e-9) * step : hi;
    const out = [];
    for (let v = first; v <= last + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  function svg(tag, attrs = {}, text = null) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== null) node.textContent = text;
    return node;
  }

  // Train (dark) and test (grey) loss against epochs, with labelled axes. The loss axis is
  // zoomed to the losses seen (from the tick below them to the tick above), so progress
  // shows; its tick labels say where it starts.
  function lossChart(chart, history) {
    const [w, h] = [340, 130];
    const m = { left: 38, right: 8, top: 16, bottom: 26 };
    chart.replaceChildren();
    const finite = history.flatMap((p) => [p.train_loss, p.test_loss]).filter(Number.isFinite);
    let lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
    if (hi - lo < 1e-6) { lo -= 0.05 * (Math.abs(lo) || 1); hi += 0.05 * (Math.abs(hi) || 1); }
    const yTicks = ticks(lo, hi, 3, true);  // the loss axis runs from tick to tick
    [lo, hi] = [yTicks[0], yTicks[yTicks.length - 1]];
    const last = Math.max(1, history.length ? history[history.length - 1].epoch : 1);
    const X = (e) => m.left + (e / last) * (w - m.left - m.right);
    const Y = (v) => h - m.bottom - ((v - lo) / (hi - lo)) * (h - m.top - m.bottom);
    const xAxis = svg("g", { class: "axis x" });
    const yAxis = svg("g", { class: "axis y" });
    const grid = svg("g", { class: "grid" });
    xAxis.append(svg("line", { x1: m.left, x2: w - m.right, y1: h - m.bottom, y2: h - m.bottom }));
    yAxis.append(svg("line", { x1: m.left, x2: m.left, y1: m.top, y2: h - m.bottom }));
    for (const e of ticks(0, last, 4)) {
      xAxis.append(svg("line", { x1: X(e), x2: X(e), y1: h - m.bottom, y2: h - m.bottom + 3 }));
      xAxis.append(svg("text", { x: X(e), y: h - m.bottom + 12, "text-anchor": "middle" },
        String(e)));
    }
    xAxis.append(svg("text", { x: w - m.right, y: h - 3, "text-anchor": "end" }, "epoch"));
    for (const v of yTicks) {
      yAxis.append(svg("line", { x1: m.left - 3, x2: m.left, y1: Y(v), y2: Y(v) }));
      yAxis.append(svg("text", { x: m.left - 5, y: Y(v) + 3, "text-anchor": "end" },
        v.toPrecision(3)));
      grid.append(svg("line", { x1: m.left, x2: w - m.right, y1: Y(v), y2: Y(v) }));
    }
    yAxis.append(svg("text", { x: 4, y: 10 }, "loss"));
    chart.append(grid, xAxis, yAxis);
    for (const [key, name] of [["test_loss", "test"], ["train_loss", "train"]]) {
      const points = history.filter((p) => Number.isFinite(p[key]))
        .map((p) => `${X(p.epoch).toFixed(1)},${Y(p[key]).toFixed(1)}`);
      if (points.length) chart.append(svg("polyline", { class: `series ${name}`, points: points.join(" ") }));
    }
    const key = svg("g", { class: "key" });
    key.append(svg("text", { x: w - m.right, y: 10, "text-anchor": "end" }, "train — black · test — grey"));
    chart.append(key);
  }

  // f and f' (121 points over [-reach, reach]) above the pre-activation histogram.
  function curve(canvas, layer) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 14;
    ctx.clearRect(0, 0, w, h);
    const { reach, f, d1, hist } = layer.curve;
    const values = f.concat(d1).filter((v) => v !== null && Number.isFinite(v));
    let lo = Math.min(-1, ...values), hi = Math.max(1, ...values);
    const span = hi - lo;
    lo -= 0.05 * span; hi += 0.05 * span;
    const X = (x) => pad + (x + reach) / (2 * reach) * (w - 2 * pad);
    const Y = (y) => h - pad - (y - lo) / (hi - lo) * (h - 2 * pad);
    const barW = (w - 2 * pad) / hist.length;
    ctx.fillStyle = "#e3e3e3";
    hist.forEach((v, i) => {
      const barH = (v || 0) * (h - 2 * pad) * 0.6;
      ctx.fillRect(pad + i * barW, h - pad - barH, barW - 1, barH);
    });
    ctx.strokeStyle = "#bbb";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(pad, Y(0)); ctx.lineTo(w - pad, Y(0));
    ctx.moveTo(X(0), pad); ctx.lineTo(X(0), h - pad);
    ctx.stroke();
    const line = (ys, colour, dash) => {
      ctx.beginPath();
      let drawing = false;
      ys.forEach((y, i) => {
        if (y === null || !Number.isFinite(y)) { drawing = false; return; }
        const x = X(-reach + (2 * reach * i) / (ys.length - 1));
        drawing ? ctx.lineTo(x, Y(y)) : ctx.moveTo(x, Y(y));
        drawing = true;
      });
      ctx.setLineDash(dash);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(d1, `rgb(${PALETTE[0].join(",")})`, [5, 3]);
    line(f, `rgb(${PALETTE[1].join(",")})`, []);
    ctx.fillStyle = "#777";
    ctx.font = "10px sans-serif";
    ctx.fillText(`z ∈ [${(-reach).toPrecision(3)}, ${reach.toPrecision(3)}]`, pad + 2, pad);
  }

  return { bytes, heatmap, neuron, lossChart, curve };
})();
