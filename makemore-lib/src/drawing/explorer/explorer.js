// The bigram explorer's behaviour (inlined into the page by explorer.rs).
// Reads the counts from the JSON block; inserts every word and character as text only.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("data").textContent);
  const chars = data.chars;
  const V = chars.length;
  const N = data.counts;
  const rowTotal = N.map((row) => row.reduce((a, b) => a + b, 0));
  const total = rowTotal.reduce((a, b) => a + b, 0);
  const shown = (c) => (c === " " ? "\u2423" : c);

  // the table's cells, row by row (written by the page in the same order as the data)
  const grid = $("grid");
  const tds = Array.from(grid.querySelectorAll("td[data-from]"));
  if (tds.length !== V * V) throw new Error("the grid has " + tds.length + " cells, expected " + V * V);
  const cell = (i, j) => tds[i * V + j];
  const rowLabels = Array.from(grid.querySelectorAll("button.rowlabel"));
  const colHeads = Array.from(grid.querySelectorAll("thead th")).slice(1);
  const valueSpans = [];
  tds.forEach((td, k) => {
    td.tabIndex = k === 0 ? 0 : -1;
    td.setAttribute("role", "gridcell");
    if (data.labelled) {
      const b = document.createElement("span");
      b.className = "b";
      b.textContent = shown(chars[Math.floor(k / V)]) + shown(chars[k % V]);
      const v = document.createElement("span");
      v.className = "v";
      td.append(b, v);
      valueSpans.push(v);
    }
  });

  let smoothing = data.smoothing;
  let view = data.view;
  let P = []; // P[i][j] under the current smoothing; NaN for a row with no counts at smoothing 0
  let current = 0; // the cell that holds the keyboard focus (row-major index)
  let shownRow = null;

  function normalize() {
    P = N.map((row, i) => {
      const denom = rowTotal[i] + smoothing * V;
      return row.map((n) => (denom > 0 ? (n + smoothing) / denom : NaN));
    });
  }

  // average negative log-likelihood of the word list: -sum N log P / sum N
  function nll() {
    let sum = 0;
    for (let i = 0; i < V; i++) {
      for (let j = 0; j < V; j++) {
        if (N[i][j] > 0) sum -= N[i][j] * Math.log(P[i][j]);
      }
    }
    return sum / total;
  }

  function colour(t) {
    const pal = data.palette;
    t = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
    const x = t * (pal.length - 1);
    const i = Math.min(pal.length - 2, Math.floor(x));
    const f = x - i;
    return pal[i].map((a, c) => Math.round(a + (pal[i + 1][c] - a) * f));
  }

  // WCAG relative luminance of an sRGB colour
  function luminance(rgb) {
    const lin = rgb.map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  }

  // black or white, whichever contrasts more with the cell: at least 4.58:1 on any colour
  function textColour(rgb) {
    const l = luminance(rgb);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
  }

  function paint() {
    const value = (i, j) =>
      view === "probs" ? P[i][j] : view === "log" ? Math.log1p(N[i][j]) : N[i][j];
    let max = 0;
    for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) if (value(i, j) > max) max = value(i, j);
    for (let i = 0; i < V; i++) {
      for (let j = 0; j < V; j++) {
        const rgb = colour(max > 0 ? value(i, j) / max : 0);
        const td = cell(i, j);
        td.style.background = "rgb(" + rgb.join(",") + ")";
        td.style.color = textColour(rgb);
        if (data.labelled) {
          valueSpans[i * V + j].textContent = view === "probs" ? fmt(P[i][j], 3) : String(N[i][j]);
        }
      }
    }
  }

  const fmt = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : "undefined");

  function update() {
    normalize();
    $("nll").textContent = fmt(nll(), 6);
    paint();
    if (shownRow !== null) showRow(shownRow);
  }

  // #info: bigram, count and probability of one cell
  function showInfo(i, j) {
    const info = $("info");
    const big = document.createElement("span");
    big.className = "bigram";
    big.textContent = shown(chars[i]) + shown(chars[j]);
    const line1 = document.createElement("div");
    line1.textContent = "count " + N[i][j] + " of " + rowTotal[i] + " after '" + shown(chars[i]) + "'";
    const line2 = document.createElement("div");
    line2.textContent =
      "P(" + shown(chars[j]) + " | " + shown(chars[i]) + ") = " + fmt(P[i][j], 6) + " at smoothing " + smoothing;
    info.replaceChildren(big, line1, line2);
    grid.querySelectorAll("th.hot").forEach((th) => th.classList.remove("hot"));
    rowLabels[i].parentElement.classList.add("hot");
    colHeads[j].classList.add("hot");
  }

  // #row: P(next | chars[i]) as bars, with the row's entropy
  function showRow(i) {
    shownRow = i;
    rowLabels.forEach((b, k) => b.setAttribute("aria-pressed", String(k === i)));
    const row = $("row");
    const title = document.createElement("h3");
    title.textContent = "P(next | " + shown(chars[i]) + ")";
    const entropy = document.createElement("p");
    entropy.className = "entropy";
    let h = 0;
    for (const p of P[i]) if (p > 0) h -= p * Math.log(p);
    entropy.textContent = Number.isFinite(h)
      ? "entropy " + (h / Math.LN2).toFixed(3) + " bits (" + h.toFixed(3) + " nats), " + rowTotal[i] + " bigrams"
      : "no bigrams start with '" + shown(chars[i]) + "': raise the smoothing";
    const bars = document.createElement("div");
    bars.className = "bars";
    const top = Math.max(...P[i].map((p) => (Number.isFinite(p) ? p : 0)));
    P[i].forEach((p, j) => {
      const label = document.createElement("span");
      label.textContent = shown(chars[j]);
      const track = document.createElement("span");
      track.className = "track";
      track.dataset.to = chars[j];
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.width = (top > 0 && Number.isFinite(p) ? (100 * p) / top : 0) + "%";
      track.append(fill);
      const val = document.createElement("span");
      val.className = "val";
      val.textContent = fmt(p, 4);
      bars.append(label, track, val);
    });
    row.replaceChildren(title, entropy, bars);
  }

  function focusCell(k) {
    cell(Math.floor(current / V), current % V).tabIndex = -1;
    current = k;
    const td = cell(Math.floor(k / V), k % V);
    td.tabIndex = 0;
    td.focus();
  }

  // row-major index of a cell: its row in the body, its column after the row label
  const indexOf = (td) => td.parentElement.sectionRowIndex * V + td.cellIndex - 1;

  grid.addEventListener("mouseover", (e) => {
    const td = e.target.closest("td[data-from]");
    if (td) showInfo(Math.floor(indexOf(td) / V), indexOf(td) % V);
  });
  grid.addEventListener("focusin", (e) => {
    const td = e.target.closest("td[data-from]");
    if (!td) return;
    const k = indexOf(td);
    if (k !== current) {
      cell(Math.floor(current / V), current % V).tabIndex = -1;
      current = k;
      td.tabIndex = 0;
    }
    showInfo(Math.floor(k / V), k % V);
  });
  grid.addEventListener("click", (e) => {
    const label = e.target.closest("button.rowlabel");
    if (label) return showRow(Number(label.dataset.row));
    const td = e.target.closest("td[data-from]");
    if (td) {
      focusCell(indexOf(td));
      showRow(Math.floor(indexOf(td) / V));
    }
  });
  grid.addEventListener("keydown", (e) => {
    const td = e.target.closest("td[data-from]");
    if (!td) return;
    const k = indexOf(td);
    const i = Math.floor(k / V);
    const j = k % V;
    const moves = {
      ArrowLeft: [i, Math.max(0, j - 1)],
      ArrowRight: [i, Math.min(V - 1, j + 1)],
      ArrowUp: [Math.max(0, i - 1), j],
      ArrowDown: [Math.min(V - 1, i + 1), j],
      Home: [i, 0],
      End: [i, V - 1],
    };
    if (moves[e.key]) {
      e.preventDefault();
      focusCell(moves[e.key][0] * V + moves[e.key][1]);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      showRow(i);
    }
  });

  // smoothing: the number field and the slider move together
  function setSmoothing(text, from) {
    const k = Number(text);
    const error = $("smoothing-error");
    if (text.trim() === "" || !Number.isFinite(k) || k < 0) {
      error.textContent = "smoothing must be a number, 0 or more";
      $("smoothing").setAttribute("aria-invalid", "true");
      return;
    }
    error.textContent = "";
    $("smoothing").removeAttribute("aria-invalid");
    smoothing = k;
    if (from !== "smoothing") $("smoothing").value = String(k);
    if (from !== "smoothing-range") $("smoothing-range").value = String(Math.min(k, 10));
    update();
  }
  $("smoothing").addEventListener("input", (e) => setSmoothing(e.target.value, "smoothing"));
  $("smoothing-range").addEventListener("input", (e) => setSmoothing(e.target.value, "smoothing-range"));

  $("view").addEventListener("change", (e) => {
    if (e.target.name === "view") {
      view = e.target.value;
      paint();
    }
  });

  // This page's own generator, not PyTorch's: a 32-bit counter stepped by the golden
  // ratio and mixed by MurmurHash3's finalizer; a 64-bit seed starts the counter.
  function generator(seed) {
    let state = (Number(seed & 0xffffffffn) ^ Math.imul(Number((seed >> 32n) & 0xffffffffn), 0x9e3779b1)) >>> 0;
    return function next() {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      z ^= z >>> 16;
      return (z >>> 0) / 4294967296;
    };
  }

  const MAX_LENGTH = 50;
  function sampleName(rand) {
    let out = "";
    let i = 0; // the boundary token '.' starts and ends every name
    for (;;) {
      const u = rand();
      let acc = 0;
      let next = -1;
      for (let j = 0; j < V; j++) {
        if (P[i][j] <= 0) continue;
        acc += P[i][j];
        next = j; // the last possible token, should rounding leave acc just under 1
        if (u < acc) break;
      }
      if (next === 0) return out;
      if (out.length >= MAX_LENGTH) return out + "\u2026";
      out += chars[next];
      i = next;
    }
  }

  $("sample").addEventListener("click", () => {
    const list = $("samples");
    const fail = (text) => {
      const li = document.createElement("li");
      li.className = "error";
      li.textContent = text;
      list.replaceChildren(li);
    };
    let seed;
    try {
      seed = BigInt($("seed").value.trim());
    } catch {
      return fail("the seed must be a whole number from 0 to 2^63 - 1");
    }
    if (seed < 0n || seed >= 2n ** 63n) return fail("the seed must be a whole number from 0 to 2^63 - 1");
    const count = Number($("count").value);
    if (!Number.isInteger(count) || count < 1 || count > 200) return fail("names: a whole number from 1 to 200");
    if (P.some((row) => row.some((p) => !Number.isFinite(p)))) return fail("some rows have no counts: raise the smoothing");
    const rand = generator(seed);
    const items = [];
    for (let n = 0; n < count; n++) {
      const li = document.createElement("li");
      li.textContent = sampleName(rand);
      items.push(li);
    }
    list.replaceChildren(...items);
  });

  for (const input of document.querySelectorAll("input[name=view]")) input.checked = input.value === view;
  $("smoothing").value = String(smoothing);
  $("smoothing-range").value = String(Math.min(smoothing, 10));
  document.title = "Bigram explorer: " + data.title;
  update();
})();
