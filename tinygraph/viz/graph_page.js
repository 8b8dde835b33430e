// The graph page: reads the ops and edges from the JSON block, groups the ops into boxes
// by name scope (a While's or If's sub-graph inside its op's box), lays out the boxes
// that are open (a layered layout per open box, inner boxes first), draws them as SVG,
// and handles clicks, search, zoom and pan. No library and no network.
"use strict";
(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const FONT = "sans-serif";
  const OP_H = 24, SCOPE_H = 40, PAD = 14, HEADER = 26, ROW_GAP = 38, COL_GAP = 18;
  const DUMMY_W = 8, SEARCH_EXPAND_LIMIT = 40;
  const HINT = "Click a box to open it, an op to see its details. Drag to pan, wheel to zoom.";

  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const ops = data.nodes;
  const edges = data.edges.map(e => ({src: e[0], dst: e[1], kind: e[2], tensor: e[3],
                                      shape: e[4], dtype: e[5], input: e[6]}));
  const inEdges = ops.map(() => []), outEdges = ops.map(() => []);
  for (const e of edges) { inEdges[e.dst].push(e); outEdges[e.src].push(e); }

  // ---- The hierarchy: groups (name scopes, loop bodies) and op leaves ----------------
  const items = [];   // by uid
  function makeItem(kind, id, label, parent) {
    const item = {uid: items.length, kind, id, label, parent, idx: 0, op: -1,
                  depth: parent ? parent.depth + 1 : 0, w: 0, h: 0, x: 0, y: 0};
    if (kind === "group") {
      Object.assign(item, {children: [], byLabel: new Map(), expanded: false, count: 0,
                           loop: "", layoutEdges: null, cx0: 0, cy0: 0});
    }
    if (parent) { item.idx = parent.children.length; parent.children.push(item); }
    items.push(item);
    return item;
  }
  const root = makeItem("group", "", "", null);
  root.expanded = true;
  const groupById = new Map();
  const opIndex = new Map(ops.map((op, i) => [op.name, i]));

  // An op's place in the hierarchy: its name's components; a sub-graph op goes under its
  // While/If op's place even when its name does not start with that op's name.
  const paths = new Array(ops.length);
  function pathOf(i) {
    if (paths[i]) return paths[i];
    const op = ops[i];
    const pi = op.parent == null ? undefined : opIndex.get(op.parent);
    let p;
    if (pi === undefined) p = op.name.split("/");
    else if (op.name.startsWith(op.parent + "/"))
      p = pathOf(pi).concat(op.name.slice(op.parent.length + 1).split("/"));
    else p = pathOf(pi).concat([op.name]);
    return (paths[i] = p);
  }
  const SEP = "\u0001";
  const groupKeys = new Set();
  for (let i = 0; i < ops.length; i++) {
    const p = pathOf(i);
    let key = "";
    for (let k = 0; k < p.length - 1; k++) {
      key = k ? key + SEP + p[k] : p[k];
      groupKeys.add(key);
    }
  }
  function groupAt(p, len) {
    let g = root;
    for (let k = 0; k < len; k++) {
      let c = g.byLabel.get(p[k]);
      if (!c) {
        c = makeItem("group", p.slice(0, k + 1).join("/"), p[k], g);
        g.byLabel.set(p[k], c);
        groupById.set(c.id, c);
      }
      g = c;
    }
    return g;
  }
  const leafOf = new Array(ops.length), groupOfOp = new Map();
  for (let i = 0; i < ops.length; i++) {
    const p = pathOf(i), last = p[p.length - 1];
    let leaf;
    if (groupKeys.has(p.join(SEP))) {
      // An op whose name is also a scope (a variable and its "kernel/read"; a While and
      // its body) sits inside that scope's box, as TensorBoard shows it: "(kernel)".
      const g = groupAt(p, p.length);
      g.op = i;
      groupOfOp.set(i, g);
      leaf = makeItem("op", ops[i].name, "(" + last + ")", g);
    } else {
      leaf = makeItem("op", ops[i].name, last, groupAt(p, p.length - 1));
    }
    leaf.op = i;
    leafOf[i] = leaf;
    for (let g = leaf.parent; g; g = g.parent) g.count++;
  }
  for (const op of ops) {
    const g = op.parent == null ? undefined : groupOfOp.get(opIndex.get(op.parent));
    if (g) g.loop = ops[g.op].type;
  }
  // Tensors that enter a While/If op's sub-graph as captures: while its box is open they
  // are drawn into the sub-graph, and the same tensors' edges into the op itself are not.
  const entering = new Map();
  for (const e of edges) {
    if (e.kind !== "capture" || ops[e.dst].parent == null) continue;
    const owner = opIndex.get(ops[e.dst].parent);
    if (!entering.has(owner)) entering.set(owner, new Set());
    entering.get(owner).add(e.tensor);
  }
  function drawnInside(e) {
    const tensors = entering.get(e.dst);
    return tensors !== undefined && e.kind === "data" && tensors.has(e.tensor) &&
           groupOfOp.get(e.dst).expanded;
  }

  // ---- Text widths (the layout needs them before anything is drawn) -----------------
  const measureCtx = document.createElement("canvas").getContext("2d");
  const widthCache = new Map();
  function textWidth(text, font) {
    const key = font + SEP + text;
    let w = widthCache.get(key);
    if (w === undefined) {
      measureCtx.font = font;
      w = measureCtx.measureText(text).width;
      widthCache.set(key, w);
    }
    return w;
  }
  function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }
  // A loop's box is marked with a circular arrow, a conditional's with a diamond.
  function glyph(g) { return !g.loop ? "" : g.loop === "If" ? "\u25c7 " : "\u21bb "; }
  function scopeSubtitle(g) {
    const n = g.count + (g.count === 1 ? " op" : " ops");
    return g.loop ? g.loop + " \u00b7 " + n : n;
  }

  // ---- What is visible: each op is shown by itself or by its outermost closed box ----
  const rep = new Array(ops.length);
  function assignReps(g, closed) {
    for (const c of g.children) {
      if (c.kind === "op") rep[c.op] = closed || c;
      else assignReps(c, closed || (c.expanded ? null : c));
    }
  }

  // Edges between visible items, one bundle per (source, target, data-or-control).
  function bundleEdges() {
    const byKey = new Map(), list = [];
    for (const e of edges) {
      const a = rep[e.src], b = rep[e.dst];
      if (a === b || drawnInside(e)) continue;
      const control = e.kind === "control";
      const key = a.uid + (control ? "c" : "d") + b.uid;
      let bundle = byKey.get(key);
      if (!bundle) {
        bundle = {a, b, control, edges: []};
        byKey.set(key, bundle);
        list.push(bundle);
      }
      bundle.edges.push(e);
    }
    return list;
  }

  // The open box both ends sit in, and the children of that box that hold each end:
  // the bundle is laid out as an edge between those two children.
  function commonBox(a, b) {
    while (a.depth > b.depth) a = a.parent;
    while (b.depth > a.depth) b = b.parent;
    while (a.parent !== b.parent) { a = a.parent; b = b.parent; }
    return [a.parent, a, b];
  }

  // ---- Layered (Sugiyama-style) layout of one open box's children --------------------
  // sizes: [{w, h}]; links: [{u, v}] between child indices. Sets each link's points (the
  // long edges' bend points, in the box's coordinates) and `rev` for edges turned round
  // to break cycles; returns the centres and the extent.
  function layered(sizes, links) {
    const n = sizes.length;
    const out = Array.from({length: n}, () => []);
    for (const l of links) { l.rev = false; l.points = []; out[l.u].push(l); }
    // Break cycles: an edge back to a node on the depth-first stack is reversed.
    const state = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      if (state[s]) continue;
      const stack = [s], next = [0];
      state[s] = 1;
      while (stack.length) {
        const v = stack[stack.length - 1], list = out[v];
        if (next[next.length - 1] < list.length) {
          const l = list[next[next.length - 1]++];
          if (state[l.v] === 1) l.rev = true;
          else if (state[l.v] === 0) { state[l.v] = 1; stack.push(l.v); next.push(0); }
        } else { state[v] = 2; stack.pop(); next.pop(); }
      }
    }
    const succ = Array.from({length: n}, () => []);
    const indeg = new Int32Array(n);
    for (const l of links) {
      l.s = l.rev ? l.v : l.u;
      l.t = l.rev ? l.u : l.v;
      if (l.s === l.t) continue;
      succ[l.s].push(l);
      indeg[l.t]++;
    }
    // Layers: longest path from the sources, then every node with successors moved down
    // to just above its nearest successor (constants sit next to the op they feed).
    const order = [];
    for (let v = 0; v < n; v++) if (!indeg[v]) order.push(v);
    for (let k = 0; k < order.length; k++)
      for (const l of succ[order[k]]) if (--indeg[l.t] === 0) order.push(l.t);
    const layer = new Int32Array(n);
    for (const v of order) for (const l of succ[v]) layer[l.t] = Math.max(layer[l.t], layer[v] + 1);
    for (let k = order.length - 1; k >= 0; k--) {
      const v = order[k];
      if (!succ[v].length) continue;
      let m = Infinity;
      for (const l of succ[v]) m = Math.min(m, layer[l.t]);
      if (m - 1 > layer[v]) layer[v] = m - 1;
    }
    // Long edges get a chain of small dummy nodes, one per layer they cross (within a
    // budget: beyond it an edge is drawn straight).
    const W = sizes.map(s => s.w), H = sizes.map(s => s.h), L = Array.from(layer);
    const up = Array.from({length: n}, () => []), down = Array.from({length: n}, () => []);
    let budget = 4000 + 4 * n;
    const realLinks = links.filter(l => l.s !== l.t)
      .sort((p, q) => (L[p.t] - L[p.s]) - (L[q.t] - L[q.s]));
    for (const l of realLinks) {
      const span = L[l.t] - L[l.s];
      l.chain = [];
      let prev = l.s;
      if (span > 1 && span - 1 <= budget) {
        budget -= span - 1;
        for (let r = L[l.s] + 1; r < L[l.t]; r++) {
          const d = W.length;
          W.push(DUMMY_W); H.push(0); L.push(r); up.push([]); down.push([]);
          down[prev].push(d); up[d].push(prev);
          l.chain.push(d);
          prev = d;
        }
      }
      if (L[l.t] - L[prev] === 1) { down[prev].push(l.t); up[l.t].push(prev); }
    }
    const N = W.length;
    let nLayers = 0;
    for (let v = 0; v < N; v++) nLayers = Math.max(nLayers, L[v] + 1);
    // Initial order within each layer: depth-first from the top, so what is connected
    // starts close together; then barycentre sweeps down and up.
    const rows = Array.from({length: nLayers}, () => []);
    const seen = new Uint8Array(N);
    const starts = Array.from({length: N}, (_, v) => v).sort((p, q) => L[p] - L[q] || p - q);
    for (const s of starts) {
      if (seen[s]) continue;
      const stack = [s];
      seen[s] = 1;
      while (stack.length) {
        const v = stack.pop();
        rows[L[v]].push(v);
        for (let k = down[v].length - 1; k >= 0; k--) {
          const w = down[v][k];
          if (!seen[w]) { seen[w] = 1; stack.push(w); }
        }
      }
    }
    const pos = new Float64Array(N);
    const setPos = row => row.forEach((v, k) => { pos[v] = k; });
    rows.forEach(setPos);
    const bary = new Float64Array(N);
    function sweep(row, nbrs) {
      for (const v of row) {
        const nb = nbrs[v];
        if (!nb.length) { bary[v] = pos[v]; continue; }
        let s = 0;
        for (const w of nb) s += pos[w];
        bary[v] = s / nb.length;
      }
      row.sort((p, q) => bary[p] - bary[q] || pos[p] - pos[q]);
      setPos(row);
    }
    for (let it = 0; it < 8; it++) {
      if (it % 2 === 0) for (let r = 1; r < nLayers; r++) sweep(rows[r], up);
      else for (let r = nLayers - 2; r >= 0; r--) sweep(rows[r], down);
    }
    // x: each node pulled towards its neighbours' mean, keeping the order and the gaps
    // (an isotonic regression per layer, solved by pooling adjacent violators).
    const x = new Float64Array(N);
    for (const row of rows) {
      let at = 0;
      for (const v of row) { x[v] = at + W[v] / 2; at += W[v] + COL_GAP; }
      for (const v of row) x[v] -= at / 2;
    }
    const isDummy = v => v >= n;
    function gap(p, q) { return (W[p] + W[q]) / 2 + (isDummy(p) || isDummy(q) ? 6 : COL_GAP); }
    function align(row, nbrLists) {
      const m = row.length;
      if (!m) return;
      const target = new Float64Array(m), S = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        const v = row[k];
        let s = 0, wsum = 0;
        for (const nbrs of nbrLists) for (const w of nbrs[v]) {
          const wt = isDummy(v) && isDummy(w) ? 8 : isDummy(v) || isDummy(w) ? 2 : 1;
          s += wt * x[w];
          wsum += wt;
        }
        if (k) S[k] = S[k - 1] + gap(row[k - 1], v);
        target[k] = (wsum ? s / wsum : x[v]) - S[k];
      }
      const sums = [], counts = [];
      const mean = b => sums[b] / counts[b];
      for (let k = 0; k < m; k++) {
        sums.push(target[k]);
        counts.push(1);
        while (sums.length > 1 && mean(sums.length - 2) > mean(sums.length - 1)) {
          const s = sums.pop(), c = counts.pop();
          sums[sums.length - 1] += s;
          counts[counts.length - 1] += c;
        }
      }
      let k = 0;
      for (let b = 0; b < sums.length; b++)
        for (let j = 0; j < counts[b]; j++, k++) x[row[k]] = mean(b) + S[k];
    }
    for (let it = 0; it < 6; it++) {
      if (it % 2 === 0) for (let r = 1; r < nLayers; r++) align(rows[r], [up]);
      else for (let r = nLayers - 2; r >= 0; r--) align(rows[r], [down]);
    }
    for (const row of rows) align(row, [up, down]);
    // y: layers stacked, each as tall as its tallest node.
    const y = new Float64Array(N);
    let top = 0;
    for (const row of rows) {
      let h = 0;
      for (const v of row) h = Math.max(h, H[v]);
      for (const v of row) y[v] = top + h / 2;
      top += h + ROW_GAP;
    }
    let minX = Infinity, maxX = -Infinity;
    for (let v = 0; v < N; v++) {
      minX = Math.min(minX, x[v] - W[v] / 2);
      maxX = Math.max(maxX, x[v] + W[v] / 2);
    }
    if (!N) { minX = 0; maxX = 0; }
    for (const l of realLinks) {
      l.points = l.chain.map(d => ({x: x[d] - minX, y: y[d]}));
      if (l.rev) l.points.reverse();
    }
    const centres = [];
    for (let v = 0; v < n; v++) centres.push({x: x[v] - minX, y: y[v]});
    return {centres, width: maxX - minX, height: Math.max(0, top - ROW_GAP)};
  }

  // ---- Layout of everything visible ---------------------------------------------------
  let bundles = [];
  function sizeItem(item) {
    if (item.kind === "op") {
      item.w = Math.max(36, textWidth(clip(item.label, 28), "11px " + FONT) + 22);
      item.h = OP_H;
    } else if (!item.expanded) {
      item.w = Math.max(70, textWidth(clip(item.label, 28), "bold 12px " + FONT) + 40,
                        textWidth(scopeSubtitle(item), "10px " + FONT) + 24);
      item.h = SCOPE_H;
    } else {
      layoutBox(item);
    }
  }
  function layoutBox(g) {
    for (const c of g.children) sizeItem(c);
    const links = Array.from(g.layoutEdges.values());
    const result = layered(g.children.map(c => ({w: c.w, h: c.h})), links);
    g.children.forEach((c, k) => { c.x = result.centres[k].x; c.y = result.centres[k].y; });
    if (g === root) {
      g.cx0 = 0; g.cy0 = 0; g.w = result.width; g.h = result.height;
      return;
    }
    const labelW = textWidth(clip(g.label, 40), "bold 12px " + FONT) + 60;
    g.w = Math.max(result.width + 2 * PAD, labelW);
    g.h = HEADER + result.height + PAD;
    g.cx0 = (g.w - result.width) / 2;
    g.cy0 = HEADER;
  }
  function placeItem(item, ax, ay) {
    item.ax = ax;
    item.ay = ay;
    if (item.kind === "group" && item.expanded)
      for (const c of item.children)
        placeItem(c, ax + item.cx0 + c.x - c.w / 2, ay + item.cy0 + c.y - c.h / 2);
  }
  function layoutAll() {
    assignReps(root, null);
    for (const item of items) if (item.kind === "group") item.layoutEdges = new Map();
    bundles = bundleEdges();
    for (const b of bundles) {
      const [box, ca, cb] = commonBox(b.a, b.b);
      const key = ca.idx + "," + cb.idx;
      let link = box.layoutEdges.get(key);
      if (!link) { link = {u: ca.idx, v: cb.idx}; box.layoutEdges.set(key, link); }
      b.box = box;
      b.link = link;
    }
    sizeItem(root);
    placeItem(root, 0, 0);
  }

  // ---- Drawing ------------------------------------------------------------------------
  const svg = document.getElementById("canvas");
  const panel = document.getElementById("panel");
  function svgEl(tag, attrs, parent) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(el);
    return el;
  }
  function svgText(parent, attrs, text) { svgEl("text", attrs, parent).textContent = text; }
  const defs = svgEl("defs", {}, svg);
  for (const [id, cls] of [["arrow", "arrow"], ["arrow-hl", "arrow hl"]]) {
    // Sized in the drawing's units, not the stroke's: thick bundles keep small heads.
    const m = svgEl("marker", {id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8,
                               markerHeight: 8, markerUnits: "userSpaceOnUse",
                               orient: "auto-start-reverse"}, defs);
    svgEl("path", {d: "M0,0 L10,5 L0,10 z", class: cls}, m);
  }
  const viewport = svgEl("g", {id: "viewport"}, svg);
  let selected = null, matches = new Set();
  const view = {k: 1, x: 0, y: 0};

  function typeClass(type) {
    if (type === "Const") return " t-const";
    if (type === "VariableV2" || type === "VarHandleOp") return " t-var";
    if (type === "Placeholder" || type === "PlaceholderWithDefault") return " t-input";
    if (type === "While" || type === "If") return " t-loop";
    return "";
  }

  function render() {
    layoutAll();
    viewport.textContent = "";
    const boxes = svgEl("g", {class: "boxes"}, viewport);
    const edgeLayer = svgEl("g", {class: "edges"}, viewport);
    const nodeLayer = svgEl("g", {class: "nodes"}, viewport);
    const visible = [];
    (function walk(g) {
      for (const c of g.children) {
        if (c.kind === "group" && c.expanded) {
          drawOpenBox(boxes, c);
          walk(c);
        } else {
          visible.push(c);
        }
      }
    })(root);
    const matchReps = new Set();
    for (const i of matches) matchReps.add(rep[i]);
    for (const item of visible) drawNode(nodeLayer, item, matchReps.has(item));
    drawEdges(edgeLayer);
    applyView();
  }

  function drawOpenBox(layer, g) {
    const el = svgEl("g", {class: "scope expanded" + (g.loop ? " loop" : ""), "data-uid": g.uid,
                           "data-name": g.id, transform: `translate(${g.ax},${g.ay})`}, layer);
    if (g === selected) el.classList.add("selected");
    svgEl("rect", {class: "box", width: g.w, height: g.h, rx: 6}, el);
    const hdr = svgEl("g", {class: "hdr"}, el);
    svgEl("rect", {class: "hdr-bg", width: g.w, height: HEADER - 4, rx: 6}, hdr);
    svgText(hdr, {class: "label", x: 10, y: 16}, glyph(g) + clip(g.label, 40));
    svgText(hdr, {class: "toggle", x: g.w - 14, y: 16, "text-anchor": "middle"}, "\u2212");
    svgEl("title", {}, el).textContent = g.id + " (click the header to close)";
  }

  function drawNode(layer, item, isMatch) {
    let cls;
    if (item.kind === "op") {
      const op = ops[item.op];
      cls = "node op" + typeClass(op.type) + (op.role ? " role-" + op.role : "");
    } else {
      cls = "node scope collapsed" + (item.loop ? " loop" : "");
    }
    if (isMatch) cls += " match";
    if (item === selected) cls += " selected";
    const el = svgEl("g", {class: cls, "data-uid": item.uid, "data-name": item.id,
                           transform: `translate(${item.ax},${item.ay})`}, layer);
    if (item.kind === "op") {
      svgEl("rect", {width: item.w, height: item.h, rx: item.h / 2}, el);
      svgText(el, {x: item.w / 2, y: item.h / 2 + 4, "text-anchor": "middle"},
              clip(item.label, 28));
      svgEl("title", {}, el).textContent = item.id + " (" + ops[item.op].type + ")";
    } else {
      svgEl("rect", {class: "shadow", x: 3, y: 3, width: item.w, height: item.h, rx: 6}, el);
      svgEl("rect", {width: item.w, height: item.h, rx: 6}, el);
      svgText(el, {class: "label", x: item.w / 2, y: 17, "text-anchor": "middle"},
              glyph(item) + clip(item.label, 28));
      svgText(el, {class: "sub", x: item.w / 2, y: 31, "text-anchor": "middle"},
              scopeSubtitle(item));
      svgText(el, {class: "toggle", x: item.w - 10, y: 14, "text-anchor": "middle"}, "+");
      svgEl("title", {}, el).textContent = item.id + " (click to open)";
    }
  }

  // "(?, 5)" is drawn "?×5", "()" "scalar", as TensorBoard labels its edges.
  function shapeLabel(shape) {
    const m = /^\((.*)\)$/.exec(shape || "");
    if (!m) return shape === "<unknown>" ? "?" : shape || "";
    const dims = m[1].split(",").map(d => d.trim()).filter(d => d);
    return dims.length ? dims.join("×") : "scalar";
  }
  function bundleLabel(b) {
    const n = b.edges.length;
    if (b.control) return n > 1 ? n + " control" : "";
    return n > 1 ? n + " tensors" : shapeLabel(b.edges[0].shape);
  }

  function drawEdges(layer) {
    // Ends spread along the boxes' bottom (out) and top (in) sides, ordered by where the
    // other end is, so bundles leaving one box do not start on one point.
    const outs = new Map(), ins = new Map();
    const centreX = item => item.ax + item.w / 2;
    for (const b of bundles) {
      if (!outs.has(b.a)) outs.set(b.a, []);
      if (!ins.has(b.b)) ins.set(b.b, []);
      outs.get(b.a).push(b);
      ins.get(b.b).push(b);
    }
    for (const [item, list] of outs) spread(item, list, b => centreX(b.b), "sx");
    for (const [item, list] of ins) spread(item, list, b => centreX(b.a), "tx");
    function spread(item, list, key, field) {
      list.sort((p, q) => key(p) - key(q));
      const span = Math.min(item.w * 0.6, 10 * (list.length - 1));
      list.forEach((b, k) => {
        b[field] = centreX(item) + (list.length > 1 ? span * (k / (list.length - 1) - 0.5) : 0);
      });
    }
    for (const b of bundles) {
      const {a, b: t, box, link} = b;
      const ox = box.ax + box.cx0, oy = box.ay + box.cy0;
      const reversed = link.rev;   // drawn upwards: out of the top, into the bottom
      let pts = [{x: b.sx, y: reversed ? a.ay : a.ay + a.h}];
      const bends = link.points.map(p => ({x: p.x + ox, y: p.y + oy}));
      pts = pts.concat(bends, [{x: b.tx, y: reversed ? t.ay + t.h : t.ay}]);
      let d = `M${pts[0].x.toFixed(1)},${pts[0].y.toFixed(1)}`;
      for (let k = 1; k < pts.length; k++) {
        const p = pts[k - 1], q = pts[k], my = ((p.y + q.y) / 2).toFixed(1);
        d += `C${p.x.toFixed(1)},${my} ${q.x.toFixed(1)},${my} ${q.x.toFixed(1)},${q.y.toFixed(1)}`;
      }
      const hl = selected && (a === selected || t === selected);
      const g = svgEl("g", {class: "edge" + (b.control ? " control" : "") + (hl ? " hl" : ""),
                            "data-from": a.id, "data-to": t.id, "data-ends": a.uid + " " + t.uid},
                      layer);
      const width = Math.min(4, 1.2 + Math.log2(b.edges.length) * 0.6);
      svgEl("path", {d, "stroke-width": width.toFixed(2),
                     "marker-end": hl ? "url(#arrow-hl)" : "url(#arrow)"}, g);
      const label = bundleLabel(b);
      if (label) {
        const mid = Math.floor((pts.length - 1) / 2), p = pts[mid], q = pts[mid + 1];
        svgText(g, {x: ((p.x + q.x) / 2 + 4).toFixed(1), y: ((p.y + q.y) / 2 + 3).toFixed(1)},
                label);
      }
    }
  }

  // ---- View: zoom (wheel) and pan (drag) -------------------------------------------------
  function applyView() {
    viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  }
  function fitTo(x0, y0, w, h, maxScale) {
    const r = svg.getBoundingClientRect();
    const k = Math.max(0.05, Math.min(maxScale, (r.width - 40) / Math.max(w, 1),
                                      (r.height - 40) / Math.max(h, 1)));
    view.k = k;
    view.x = (r.width - w * k) / 2 - x0 * k;
    view.y = (r.height - h * k) / 2 - y0 * k;
    applyView();
  }
  function fit() { fitTo(0, 0, root.w, root.h, 1.2); }
  svg.addEventListener("wheel", ev => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    const mx = ev.clientX - r.left, my = ev.clientY - r.top;
    const k = Math.max(0.03, Math.min(5, view.k * Math.exp(-ev.deltaY * 0.0015)));
    view.x = mx - (mx - view.x) * k / view.k;
    view.y = my - (my - view.y) * k / view.k;
    view.k = k;
    applyView();
  }, {passive: false});
  let drag = null, swallowClick = false;
  svg.addEventListener("pointerdown", ev => {
    if (ev.button !== 0) return;
    drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false};
    swallowClick = false;
  });
  window.addEventListener("pointermove", ev => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    svg.classList.add("panning");
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    applyView();
  });
  window.addEventListener("pointerup", () => {
    if (drag && drag.moved) swallowClick = true;
    drag = null;
    svg.classList.remove("panning");
  });

  // ---- Opening and closing boxes ------------------------------------------------------
  // The box clicked stays where it was on screen while everything around it moves; an
  // opened box too big for the window is zoomed out until it fits.
  function setOpen(g, open) {
    if (g.kind !== "group" || g === root || g.expanded === open) return;
    const sx = g.ax * view.k + view.x, sy = g.ay * view.k + view.y;
    g.expanded = open;
    render();
    view.x = sx - g.ax * view.k;
    view.y = sy - g.ay * view.k;
    applyView();
    const r = svg.getBoundingClientRect();
    const x0 = g.ax * view.k + view.x, y0 = g.ay * view.k + view.y;
    if (open && (x0 < 0 || y0 < 0 || x0 + g.w * view.k > r.width || y0 + g.h * view.k > r.height))
      fitTo(g.ax - 20, g.ay - 20, g.w + 40, g.h + 40, view.k);
  }
  function openAncestors(item) {
    let changed = false;
    for (let g = item.parent; g && g !== root; g = g.parent) {
      if (!g.expanded) { g.expanded = true; changed = true; }
    }
    return changed;
  }
  svg.addEventListener("click", ev => {
    if (swallowClick) { swallowClick = false; return; }
    const el = ev.target.closest("[data-uid]");
    if (!el) { select(null); return; }
    const item = items[+el.dataset.uid];
    if (item.kind === "group" && !item.expanded) setOpen(item, true);
    else if (item.kind === "group" && ev.target.closest(".hdr")) setOpen(item, false);
    select(item);
  });

  // ---- The side panel ----------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const k in attrs || {}) el.setAttribute(k, attrs[k]);
    for (const c of children) if (c != null) el.append(c);
    return el;
  }
  function opLink(i, text) {
    const a = h("a", {href: "#", class: "op-link", "data-op": ops[i].name}, text || ops[i].name);
    a.addEventListener("click", ev => { ev.preventDefault(); reveal(i); });
    return a;
  }
  function table(rows) {
    const t = h("table");
    for (const [k, v] of rows)
      if (v !== "" && v != null) t.append(h("tr", {}, h("th", {}, k), h("td", {}, v)));
    return t;
  }
  function select(item) {
    selected = item;
    for (const el of svg.querySelectorAll(".selected")) el.classList.remove("selected");
    for (const el of svg.querySelectorAll(".edge.hl")) el.classList.remove("hl");
    if (item) {
      const el = svg.querySelector(`[data-uid="${item.uid}"]`);
      if (el) el.classList.add("selected");
      for (const el of svg.querySelectorAll(".edge")) {
        // by uid: an open box and the op drawn inside it as "(name)" share a name
        if (el.dataset.ends.split(" ").includes(String(item.uid))) {
          el.classList.add("hl");
          el.querySelector("path").setAttribute("marker-end", "url(#arrow-hl)");
        }
      }
    }
    for (const el of svg.querySelectorAll(".edge:not(.hl) path"))
      el.setAttribute("marker-end", "url(#arrow)");
    panel.textContent = "";
    if (!item) panel.append(h("p", {class: "hint"}, HINT));
    else if (item.kind === "op") showOp(item.op);
    else showGroup(item);
  }
  function showOp(i) {
    const op = ops[i];
    panel.append(h("h2", {}, op.name.split("/").pop()), h("div", {class: "fullname"}, op.name));
    const where = op.parent == null ? "" :
      h("span", {}, (op.role || "part") + " of ", opLink(opIndex.get(op.parent)));
    panel.append(table([["Type", op.type], ["Device", op.device || "(any)"],
                        ["Defined at", op.source], ["Inside", where]]));
    const attrs = Object.entries(op.attrs || {});
    if (attrs.length) {
      panel.append(h("h3", {}, "Attributes"));
      panel.append(table(attrs.map(([k, v]) => [k, h("code", {}, v)])));
    }
    const inputs = inEdges[i].filter(e => e.kind !== "control").sort((p, q) => p.input - q.input);
    const controls = inEdges[i].filter(e => e.kind === "control");
    if (inputs.length || controls.length) {
      panel.append(h("h3", {}, "Inputs"));
      const ul = h("ul", {class: "io"});
      for (const e of inputs) {
        ul.append(h("li", {}, e.kind === "capture" ? "captured " : "", opLink(e.src, e.tensor),
                    h("span", {class: "shape"}, " " + e.shape + " " + e.dtype)));
      }
      for (const e of controls) ul.append(h("li", {class: "ctl"}, "^", opLink(e.src)));
      panel.append(ul);
    }
    const outputs = op.outputs || [];
    const consumers = outEdges[i].filter(e => e.kind !== "control");
    if (outputs.length) {
      panel.append(h("h3", {}, "Outputs"));
      const ul = h("ul", {class: "io"});
      outputs.forEach((o, k) => {
        const to = consumers.filter(e => e.tensor === op.name + ":" + k);
        const li = h("li", {}, h("code", {}, op.name.split("/").pop() + ":" + k),
                     h("span", {class: "shape"}, " " + o.shape + " " + o.dtype));
        if (to.length) {
          const sub = h("ul", {class: "consumers"});
          for (const e of to) sub.append(h("li", {}, "\u2192 ", opLink(e.dst)));
          li.append(sub);
        }
        ul.append(li);
      });
      panel.append(ul);
    }
    const controlOut = outEdges[i].filter(e => e.kind === "control");
    if (controlOut.length) {
      panel.append(h("h3", {}, "Control outputs"));
      const ul = h("ul", {class: "io"});
      for (const e of controlOut) ul.append(h("li", {class: "ctl"}, "\u2192 ^", opLink(e.dst)));
      panel.append(ul);
    }
  }
  function showGroup(g) {
    panel.append(h("h2", {}, glyph(g) + g.label), h("div", {class: "fullname"}, g.id));
    const rows = [["Holds", scopeSubtitle(g)]];
    if (g.op >= 0) rows.push([g.loop ? "Loop op" : "Op", opLink(g.op)]);
    panel.append(table(rows));
    if (g.loop) {
      const parts = g.loop === "While" ? "condition and body" : "branches";
      panel.append(h("p", {}, `The box holds the ${g.loop} op and the ops of its ${parts}.`));
    }
    const toggle = h("button", {type: "button"}, g.expanded ? "Close box" : "Open box");
    toggle.addEventListener("click", () => { setOpen(g, !g.expanded); select(g); });
    panel.append(toggle);
    const types = new Map();
    (function count(x) {
      for (const c of x.children) {
        if (c.kind === "op") types.set(ops[c.op].type, (types.get(ops[c.op].type) || 0) + 1);
        else count(c);
      }
    })(g);
    panel.append(h("h3", {}, "Op types"));
    const common = Array.from(types).sort((p, q) => q[1] - p[1]).slice(0, 12);
    panel.append(table(common.map(([t, n]) => [t, String(n)])));
  }

  // ---- Search ------------------------------------------------------------------------------
  const searchBox = document.getElementById("search");
  const searchInfo = document.getElementById("search-info");
  function search(query) {
    const q = query.trim().toLowerCase();
    const found = [];
    for (let i = 0; q && i < ops.length; i++)
      if (ops[i].name.toLowerCase().includes(q)) found.push(i);
    matches = new Set(found);
    // A few matches are shown by opening their boxes; many are only highlighted (the
    // closed boxes that hold them light up) and listed in the panel.
    const open = found.length && found.length <= SEARCH_EXPAND_LIMIT;
    if (open) for (const i of found) openAncestors(leafOf[i]);
    render();
    searchInfo.textContent = q ? found.length + (found.length === 1 ? " match" : " matches") : "";
    if (open) {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const i of found) {
        const it = rep[i];
        x0 = Math.min(x0, it.ax); y0 = Math.min(y0, it.ay);
        x1 = Math.max(x1, it.ax + it.w); y1 = Math.max(y1, it.ay + it.h);
      }
      fitTo(x0 - 40, y0 - 40, x1 - x0 + 80, y1 - y0 + 80, 1.2);
    }
    panel.textContent = "";
    if (!q) { select(selected); return; }
    panel.append(h("h2", {}, found.length + " ops match \u201c" + query.trim() + "\u201d"));
    const ul = h("ul", {class: "io"});
    for (const i of found.slice(0, 300)) ul.append(h("li", {}, opLink(i)));
    panel.append(ul);
    if (found.length > 300)
      panel.append(h("p", {}, "\u2026 and " + (found.length - 300) + " more."));
  }
  searchBox.addEventListener("keydown", ev => { if (ev.key === "Enter") search(searchBox.value); });
  searchBox.addEventListener("search", () => { if (!searchBox.value) search(""); });

  // Shows op i: its boxes opened, and the view moved to it unless it is on screen.
  function reveal(i) {
    const leaf = leafOf[i];
    if (openAncestors(leaf)) render();
    const r = svg.getBoundingClientRect();
    const sx = leaf.ax * view.k + view.x, sy = leaf.ay * view.k + view.y;
    if (sx < 0 || sy < 0 || sx + leaf.w * view.k > r.width || sy + leaf.h * view.k > r.height ||
        view.k < 0.4) {
      if (view.k < 0.4) view.k = 1;
      view.x = r.width / 2 - (leaf.ax + leaf.w / 2) * view.k;
      view.y = r.height / 2 - (leaf.ay + leaf.h / 2) * view.k;
      applyView();
    }
    select(leaf);
  }

  document.getElementById("fit").addEventListener("click", fit);
  document.getElementById("collapse-all").addEventListener("click", () => {
    for (const item of items) if (item.kind === "group" && item !== root) item.expanded = false;
    render();
    fit();
    select(null);
  });

  // ---- Start: what the address names (#open=rnn,rnn/while&focus=rnn/while&select=OP&search=Q)
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of (params.get("open") || "").split(",")) {
    const g = groupById.get(name);
    if (g) { g.expanded = true; openAncestors(g); }
  }
  render();
  const focusName = params.get("focus");
  const focus = groupById.get(focusName) ||
                (opIndex.has(focusName) ? leafOf[opIndex.get(focusName)] : null);
  if (focus && openAncestors(focus)) render();
  if (focus) fitTo(focus.ax - 20, focus.ay - 20, focus.w + 40, focus.h + 40, 1.2);
  else fit();
  if (opIndex.has(params.get("select"))) reveal(opIndex.get(params.get("select")));
  if (params.get("search")) {
    searchBox.value = params.get("search");
    search(params.get("search"));
  }
  window.tinygraphGraph = {ops: ops.length, fit, search, reveal: name => reveal(opIndex.get(name)),
                           open: name => setOpen(groupById.get(name), true),
                           close: name => setOpen(groupById.get(name), false)};
  // Tests and the benchmark wait for this: the first drawing is on screen.
  document.body.dataset.ready = performance.now().toFixed(1);
})();
