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

  function lossChart(canvas, history) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 4;
    ctx.clearRect(0, 0, w, h);
    if (history.length < 1) return;
    const finite = history.flatMap((p) => [p.train_loss, p.test_loss]).filter(Number.isFinite);
    const top = Math.max(...finite), bottom = Math.min(...finite);
    const span = Math.max(top - bottom, 1e-6);  // zoomed to the losses seen, so progress shows
    const last = Math.max(1, history[history.length - 1].step);
    for (const [key, colour] of [["test_loss", "#999"], ["train_loss", "#222"]]) {
      ctx.beginPath();
      history.forEach((p, i) => {
        const x = pad + (p.step / last) * (w - 2 * pad);
        const y = h - pad - ((p[key] - bottom) / span) * (h - 2 * pad - 10);
        i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
      });
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    ctx.fillStyle = "#777";
    ctx.font = "10px sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(`loss ${bottom.toPrecision(3)} – ${top.toPrecision(3)} · train (black), test (grey)`,
      w - pad, 10);
    ctx.textAlign = "left";
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
