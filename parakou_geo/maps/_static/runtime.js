/* parakou_geo map runtime: decodes compact layers, popups, search, legend, fullscreen, measure,
   street labels.
   User text is always shown with textContent, never parsed as HTML. */
(function () {
  "use strict";
  if (window.ParakouMaps) { return; }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function norm(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function decode(g) {
    var c = g.c, n = c.length / 2, lon = new Float64Array(n), lat = new Float64Array(n);
    var x = 0, y = 0;
    for (var i = 0; i < n; i++) { x += c[2 * i]; y += c[2 * i + 1]; lon[i] = x / g.scale; lat[i] = y / g.scale; }
    return [lon, lat];
  }
  function ring(lon, lat, a, b) {
    var r = new Array(b - a);
    for (var k = a; k < b; k++) { r[k - a] = [lat[k], lon[k]]; }
    return r;
  }
  function build(o, d, a, b, lon, lat) {
    var out = [];
    for (var j = a; j < b; j++) {
      var s = o[d][j], e = o[d][j + 1];
      out.push(d === 0 ? ring(lon, lat, s, e) : build(o, d - 1, s, e, lon, lat));
    }
    return out;
  }
  function value(spec, col, i) {
    var v = spec.props[col] ? spec.props[col][i] : null;
    if (v === null || v === undefined) { return null; }
    if (spec.cats && spec.cats[col]) { return v < 0 ? null : spec.cats[col][v]; }
    return v;
  }
  function colourOf(spec, i) {
    var st = spec.style;
    if (st.by) {
      var v = value(spec, st.by, i);
      if (v !== null && st.colours && st.colours[v]) { return st.colours[v]; }
    }
    return st.color;
  }
  function popupNode(spec, i) {
    var box = el("div", "pk-popup");
    if (spec.popup.title) { box.appendChild(el("div", "pk-popup-title", value(spec, spec.popup.title, i))); }
    var table = el("table");
    spec.popup.fields.forEach(function (f) {
      var v = value(spec, f[1], i);
      if (v === null || v === "") { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, f[0]));
      tr.appendChild(el("td", null, v));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }
  function tooltipText(spec, i) {
    var parts = [];
    spec.tooltip.forEach(function (col) { var v = value(spec, col, i); if (v !== null && v !== "") { parts.push(String(v)); } });
    return parts.join(" — ");
  }

  function addLayer(state, spec, group) {
    var map = state.map, xy = decode(spec.geom), lon = xy[0], lat = xy[1], st = spec.style;
    var inner = L.featureGroup(), feats = [];
    var o = spec.geom.o, kind = spec.geom.kind;
    if (kind === "point") {
      for (var i = 0; i < lon.length; i++) {
        var col = colourOf(spec, i), ll = [lat[i], lon[i]];
        if (spec.ring_m) {
          inner.addLayer(L.circle(ll, { radius: spec.ring_m, color: col, weight: 1, opacity: 0.6,
            fillColor: col, fillOpacity: 0.08, interactive: false }));
        }
        var m = L.circleMarker(ll, { radius: st.radius, color: st.stroke || col, weight: st.weight,
          fillColor: col, fillOpacity: st.fillOpacity, opacity: st.opacity, pkIndex: i });
        feats.push(m);
      }
    } else {
      var d = o.length - 1, top = o[d];
      for (var g = 0; g < top.length - 1; g++) {
        var geo = d === 0 ? ring(lon, lat, top[g], top[g + 1]) : build(o, d - 1, top[g], top[g + 1], lon, lat);
        var c = colourOf(spec, g);
        var opts = { color: c, weight: st.weight, opacity: st.opacity, fillColor: st.fillColor || c,
          fillOpacity: st.fillOpacity, fill: st.fill !== false && kind === "polygon",
          dashArray: st.dashArray || null, pkIndex: g };
        var f = kind === "line" ? L.polyline(geo, opts) : L.polygon(geo, opts);
        if (spec.tooltip.length) {
          (function (idx) { f.bindTooltip(function () { return el("span", null, tooltipText(spec, idx)); }, { sticky: true }); })(g);
        }
        feats.push(f);
      }
    }
    feats.forEach(function (f) { inner.addLayer(f); });
    if (spec.popup) {
      inner.on("click", function (e) {
        var idx = e.layer.options.pkIndex;
        if (idx === undefined) { return; }
        L.popup({ maxWidth: 320 }).setLatLng(e.latlng).setContent(popupNode(spec, idx)).openOn(map);
      });
    }
    if (kind === "point" && st.lod) {
      var radiusFor = function (z) { return z >= 17 ? st.radius : (z >= 15 ? Math.max(1.5, st.radius - 1) : 1); };
      var current = radiusFor(map.getZoom());
      var apply = function () {
        var r = radiusFor(map.getZoom());
        if (r === current) { return; }
        current = r;
        for (var q = 0; q < feats.length; q++) { feats[q].setRadius(r); }
      };
      feats.forEach(function (f) { f.options.radius = current; });
      map.on("zoomend", apply);
    }
    inner.addTo(group);
    var entry = { spec: spec, group: group, inner: inner, features: feats, lon: lon, lat: lat };
    state.layers[spec.id] = entry;
    if (kind === "line" && spec.labels) { setupLabels(state, entry); }
    return entry;
  }

  /* Street labels: plain text (textContent) along the line, from labels.min_zoom on, only for
     features in view, at most labels.max at once (longest features first), without overlaps.
     Each feature gets candidate anchors: its middle, then points every ≤ 250 m (a quarter of
     its length for short ones) moving out from the middle, so a long street crossing the view
     is still labelled. Anchors and angles are computed once, on first use. */
  var LABEL_STEP_M = 250, LABEL_CHAR_PX = 6.2, LABEL_HEIGHT_PX = 15;

  function labelAnchors(entry) {
    var o = entry.spec.geom.o, lon = entry.lon, lat = entry.lat, n = o.length ? o[o.length - 1].length - 1 : 0;
    var anchors = new Array(n), length = new Float64Array(n), box = new Float64Array(4 * n);
    for (var g = 0; g < n; g++) {
      var parts = [];
      if (o.length === 1) { parts.push([o[0][g], o[0][g + 1]]); }
      else { for (var p = o[1][g]; p < o[1][g + 1]; p++) { parts.push([o[0][p], o[0][p + 1]]); } }
      var segs = [], total = 0, s = 90, w = 180, nn = -90, e = -180;
      parts.forEach(function (pr) {
        for (var k = pr[0]; k < pr[1]; k++) {
          s = Math.min(s, lat[k]); nn = Math.max(nn, lat[k]); w = Math.min(w, lon[k]); e = Math.max(e, lon[k]);
          if (k + 1 >= pr[1]) { continue; }
          var cosl = Math.cos(lat[k] * Math.PI / 180);
          var dx = (lon[k + 1] - lon[k]) * cosl * 111320, dy = (lat[k + 1] - lat[k]) * 110540;
          var len = Math.sqrt(dx * dx + dy * dy);
          if (len > 0) { segs.push([k, total, len, cosl]); total += len; }
        }
      });
      box[4 * g] = s; box[4 * g + 1] = w; box[4 * g + 2] = nn; box[4 * g + 3] = e;
      length[g] = total;
      var list = [];
      if (segs.length) {
        var step = Math.min(LABEL_STEP_M, total / 4), targets = [total / 2];
        for (var q = 1; step > 0 && q * step <= 0.35 * total + 1e-9; q++) { targets.push(total / 2 + q * step, total / 2 - q * step); }
        var j = 0;
        targets.forEach(function (d) {
          j = 0;
          while (j < segs.length - 1 && segs[j][1] + segs[j][2] < d) { j++; }
          var sg = segs[j], k = sg[0], f = Math.max(0, Math.min(1, (d - sg[1]) / sg[2]));
          // screen angle (Web Mercator keeps angles): x grows with lon, y with lat / cos(lat)
          var ang = Math.atan2(-(lat[k + 1] - lat[k]), (lon[k + 1] - lon[k]) * sg[3]) * 180 / Math.PI;
          if (ang > 90) { ang -= 180; } else if (ang < -90) { ang += 180; }
          list.push({ lat: lat[k] + f * (lat[k + 1] - lat[k]), lng: lon[k] + f * (lon[k + 1] - lon[k]), angle: ang });
        });
      }
      anchors[g] = list;
    }
    var order = [];
    for (var i = 0; i < n; i++) { order.push(i); }
    order.sort(function (a, b) { return (length[b] - length[a]) || (a - b); });
    return { anchors: anchors, box: box, order: order };
  }

  function labelPane(map) {
    var pane = map.getPane("pkLabels");
    if (!pane) {
      pane = map.createPane("pkLabels");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
      L.DomUtil.addClass(pane, "leaflet-zoom-hide");
    }
    return pane;
  }

  function setupLabels(state, entry) {
    var map = state.map, cfg = entry.spec.labels, pane = labelPane(map);
    var lab = { entry: entry, nodes: [], geo: null, shown: [] };
    function render() {
      var used = 0, placed = [];
      lab.shown = [];
      if (cfg.max > 0 && map.getZoom() >= cfg.min_zoom && map.hasLayer(entry.group) && entry.features.length) {
        if (!lab.geo) { lab.geo = labelAnchors(entry); }
        var geo = lab.geo, b = map.getBounds(), S = b.getSouth(), W = b.getWest(), N = b.getNorth(), E = b.getEast();
        for (var r = 0; r < geo.order.length && used < cfg.max; r++) {
          var g = geo.order[r], bx = geo.box;
          if (bx[4 * g] > N || bx[4 * g + 2] < S || bx[4 * g + 1] > E || bx[4 * g + 3] < W) { continue; }
          var text = value(entry.spec, cfg.column, g);
          if (text === null || text === "") { continue; }
          text = String(text);
          var wpx = text.length * LABEL_CHAR_PX + 6, list = geo.anchors[g];
          for (var k = 0; k < list.length; k++) {
            var a = list[k];
            if (a.lat < S || a.lat > N || a.lng < W || a.lng > E) { continue; }
            var pt = map.latLngToLayerPoint([a.lat, a.lng]), rad = a.angle * Math.PI / 180;
            var hw = (Math.abs(wpx * Math.cos(rad)) + Math.abs(LABEL_HEIGHT_PX * Math.sin(rad))) / 2;
            var hh = (Math.abs(wpx * Math.sin(rad)) + Math.abs(LABEL_HEIGHT_PX * Math.cos(rad))) / 2;
            var clash = false;
            for (var c = 0; c < placed.length && !clash; c++) {
              var P = placed[c];
              clash = Math.abs(P[0] - pt.x) < P[2] + hw && Math.abs(P[1] - pt.y) < P[3] + hh;
            }
            if (clash) { continue; }
            placed.push([pt.x, pt.y, hw, hh]);
            var node = lab.nodes[used];
            if (!node) { node = lab.nodes[used] = el("div", "pk-street-label"); pane.appendChild(node); }
            node.textContent = text;
            node.setAttribute("data-layer", entry.spec.id);
            node.setAttribute("data-index", String(g));
            node.style.transform = "translate(" + pt.x.toFixed(1) + "px," + pt.y.toFixed(1) + "px) rotate(" +
              a.angle.toFixed(1) + "deg) translate(-50%,-50%)";
            node.style.display = "";
            lab.shown.push(g);
            used++;
            break;
          }
        }
      }
      for (var q = used; q < lab.nodes.length; q++) { lab.nodes[q].style.display = "none"; }
    }
    map.on("moveend overlayadd overlayremove", render);
    lab.render = render;
    state.labels.push(lab);
    return lab;
  }

  function go(state, entry, i) {
    var map = state.map, f = entry.features[i], ll;
    if (!map.hasLayer(entry.group)) { map.addLayer(entry.group); }
    if (entry.spec.geom.kind === "point") {
      ll = f.getLatLng();
      map.setView(ll, Math.max(map.getZoom(), 18));
    } else {
      var b = f.getBounds();
      map.fitBounds(b, { maxZoom: 18 });
      ll = b.getCenter();
    }
    if (entry.spec.popup) {
      L.popup({ maxWidth: 320 }).setLatLng(ll).setContent(popupNode(entry.spec, i)).openOn(map);
    }
  }

  /* Address search: the number/suffix/code forms of parakou_geo.geocode (12 bis Rue 2.045,
     12bis, 12 B, R2.045, rue 2 045, 2,045, number before or after), street names with
     accents, case and abbreviations (av., bd, rte) ignored, else plain text. */
  var LATIN = ["bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "nonies", "decies"];
  var ABBR = { av: "avenue", ave: "avenue", bd: "boulevard", blvd: "boulevard", bld: "boulevard",
    rte: "route", imp: "impasse", pl: "place", ch: "chemin", qtr: "quartier", r: "rue" };
  var CODE = /(?:\b(?:rue|r) ?)?(\d{1,2}) ?[.,] ?(\d{1,4})(?![\d])/;
  var CODE_SPACED = /\brue ?(\d{1,2}) (\d{3,4})\b/;
  var CODE_GLUED = /\b(?:rue|r) ?(\d)(\d{3,4})\b/;
  var NUM = new RegExp("(^|[^\\d.,])(\\d{1,5})(?: ?(" + LATIN.join("|") + ")\\b|([a-z]{1,2})\\b| ([a-z])\\b)?(?![\\d.,]?\\d)");
  function fold(s) {
    var t = norm(s).replace(/n[\u00b0\u00ba]/g, " ").replace(/\u00b0/g, " ");
    t = t.replace(/(\d) ?\. ?(?=\d)/g, "$1.").replace(/[^0-9a-z.,+]+/g, " ");
    t = t.replace(/(^|[^0-9])[.,]/g, "$1 ").replace(/[.,](?![0-9])/g, " ");
    return t.split(" ").filter(Boolean).map(function (w) { return ABBR[w] || w; }).join(" ");
  }
  function suffixKey(s) {
    s = (s || "").toLowerCase();
    for (var i = 0; i < 3; i++) { if (s === LATIN[i] || s === LATIN[i][0]) { return LATIN[i]; } }
    return s;
  }
  function parse(text) {
    var t = fold(text), out = { num: null, sfx: "", soft: false, code: null, text: "", all: t }, m;
    m = CODE.exec(t) || CODE_SPACED.exec(t) || CODE_GLUED.exec(t);
    if (m) {
      out.code = String(parseInt(m[1], 10)) + "." + String(parseInt(m[2], 10));
      t = t.slice(0, m.index) + " " + t.slice(m.index + m[0].length);
    }
    m = NUM.exec(t);
    if (m && !/^(er|e|re|em)$/.test(m[4] || "")) {
      out.num = parseInt(m[2], 10);
      out.sfx = m[3] || m[4] || m[5] || "";
      out.soft = !!m[5];
      t = t.slice(0, m.index + m[1].length) + " " + t.slice(m.index + m[0].length);
    }
    out.text = t.split(" ").filter(function (w) { return w && !(out.code && w === "rue"); }).join(" ");
    return out;
  }
  function numberScore(q, k) {
    if (k.num === null) { return 5; }
    if (k.num !== q.num) { return 9; }
    if (suffixKey(k.sfx) === suffixKey(q.sfx)) { return 0; }
    if (!q.sfx || (q.soft && !k.sfx)) { return 1; }
    return 3;
  }
  function textScore(q, key) {
    if (!q || !key) { return 9; }
    return key === q ? 0 : (key.indexOf(q) === 0 ? 1 : (key.indexOf(q) > 0 ? 2 : 9));
  }

  function search(state, query, limit) {
    var q = parse(query), hits = [], entries = [];
    if (!q.all) { return hits; }
    Object.keys(state.layers).forEach(function (id) {
      var entry = state.layers[id], spec = entry.spec;
      if (!spec.search || !spec.search.length) { return; }
      if (!entry.index) {
        entry.index = [];
        entry.parsed = [];
        for (var i = 0; i < entry.features.length; i++) {
          var keys = spec.search.map(function (col) { var v = value(spec, col, i); return v === null ? "" : fold(v); });
          entry.index.push(keys);
          entry.parsed.push(keys.map(function (k) { return k ? parse(k) : null; }));
        }
      }
      entries.push(entry);
    });
    // a number with a street name: the codes of the streets whose name holds the words
    var named = {};
    if (q.num !== null && !q.code && q.text) {
      entries.forEach(function (entry) {
        entry.index.forEach(function (keys, j) {
          var code = null, hit = false;
          keys.forEach(function (k, c) {
            var kp = entry.parsed[j][c];
            if (kp && kp.code && kp.num === null) { code = kp.code; }
            else if (k && k.indexOf(q.text) >= 0) { hit = true; }
          });
          if (code && hit) { named[code] = true; }
        });
      });
    }
    var byName = Object.keys(named).length > 0;
    entries.forEach(function (entry) {
      for (var j = 0; j < entry.index.length; j++) {
        var best = 9, keys = entry.index[j];
        for (var k = 0; k < keys.length; k++) {
          var kp = entry.parsed[j][k];
          if (!kp) { continue; }
          var s = 3 + textScore(q.all, keys[k]);
          if (q.code && kp.code === q.code) {
            s = Math.min(s, q.num === null ? (kp.num === null ? 0 : 6) : numberScore(q, kp));
          } else if (byName && kp.code && named[kp.code] && kp.num !== null) {
            s = Math.min(s, numberScore(q, kp));
          } else if (!q.code && q.num === null) {
            s = Math.min(s, textScore(q.all, keys[k]));
          }
          if (s < best) { best = s; }
        }
        if (best < 9) { hits.push({ score: best, entry: entry, i: j }); }
      }
    });
    hits.sort(function (a, b) { return a.score - b.score; });
    return hits.slice(0, limit);
  }

  function controls(state, spec) {
    var map = state.map, w = spec.words;
    if (spec.search) {
      var S = L.Control.extend({ options: { position: "topright" }, onAdd: function () {
        var box = el("div", "pk-search leaflet-bar"), input = el("input"), list = el("ul", "pk-results");
        input.type = "search"; input.placeholder = w.search; input.setAttribute("aria-label", w.search);
        box.appendChild(input); box.appendChild(list);
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        var timer = null, hits = [];
        function show() {
          hits = search(state, input.value, 8);
          list.textContent = "";
          if (!input.value.trim()) { return; }
          if (!hits.length) { list.appendChild(el("li", "pk-none", w.no_result)); return; }
          hits.forEach(function (h) {
            var li = el("li", "pk-hit"), sp = h.entry.spec;
            li.textContent = String(value(sp, sp.popup.title, h.i)) + " · " + sp.name;
            li.addEventListener("click", function () { go(state, h.entry, h.i); list.textContent = ""; });
            list.appendChild(li);
          });
        }
        input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(show, 150); });
        input.addEventListener("keydown", function (e) {
          if (e.key === "Enter") { clearTimeout(timer); show(); if (hits.length) { go(state, hits[0].entry, hits[0].i); list.textContent = ""; } }
        });
        return box;
      } });
      new S().addTo(map);
    }
    var Btn = L.Control.extend({ options: { position: "topleft" }, onAdd: function () {
      var bar = el("div", "leaflet-bar pk-tools");
      var fs = el("a", "pk-btn pk-fullscreen"); fs.href = "#"; fs.title = w.fullscreen; fs.setAttribute("role", "button");
      fs.appendChild(el("i", "fa-solid fa-expand"));
      L.DomEvent.on(fs, "click", function (e) {
        L.DomEvent.preventDefault(e);
        if (document.fullscreenElement) { document.exitFullscreen(); } else if (map.getContainer().requestFullscreen) { map.getContainer().requestFullscreen(); }
      });
      var ms = el("a", "pk-btn pk-measure"); ms.href = "#"; ms.title = w.measure; ms.setAttribute("role", "button");
      ms.appendChild(el("i", "fa-solid fa-ruler"));
      var on = false, pts = [], line = null, label = el("div", "pk-measure-result");
      function total() { var t = 0; for (var i = 1; i < pts.length; i++) { t += map.distance(pts[i - 1], pts[i]); } return t; }
      function fmt(m) { return m >= 1000 ? (m / 1000).toFixed(2) + " km" : Math.round(m) + " m"; }
      function click(e) { pts.push(e.latlng); if (!line) { line = L.polyline(pts, { color: "#000", dashArray: "6 4", weight: 2, interactive: false }).addTo(map); } else { line.setLatLngs(pts); } label.textContent = w.distance + " : " + fmt(total()); }
      function stop() { on = false; ms.classList.remove("pk-active"); map.off("click", click); map.off("dblclick", stop); map.doubleClickZoom.enable(); map.getContainer().style.cursor = ""; }
      L.DomEvent.on(ms, "click", function (e) {
        L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
        if (on) { stop(); if (line) { map.removeLayer(line); line = null; } pts = []; label.textContent = ""; return; }
        on = true; ms.classList.add("pk-active"); pts = []; map.doubleClickZoom.disable();
        map.getContainer().style.cursor = "crosshair"; map.on("click", click); map.on("dblclick", stop);
      });
      bar.appendChild(fs); bar.appendChild(ms); bar.appendChild(label);
      state.measure = { distance: total };
      return bar;
    } });
    new Btn().addTo(map);
    if (spec.legend && spec.legend.length) {
      var Leg = L.Control.extend({ options: { position: "bottomright" }, onAdd: function () {
        var box = el("div", "pk-legend");
        box.appendChild(el("div", "pk-legend-head", w.legend));
        spec.legend.forEach(function (sec) {
          if (sec.title) { box.appendChild(el("div", "pk-legend-title", sec.title)); }
          sec.items.forEach(function (it) {
            var row = el("div", "pk-legend-row"), sw = el("span", "pk-swatch pk-" + (it.shape || "box"));
            sw.style.backgroundColor = it.shape === "line" ? "transparent" : it.colour;
            sw.style.borderColor = it.colour;
            row.appendChild(sw); row.appendChild(el("span", null, it.label)); box.appendChild(row);
          });
        });
        L.DomEvent.disableScrollPropagation(box);
        return box;
      } });
      new Leg().addTo(map);
    }
    if (map.attributionControl) {
      (spec.attribution || []).forEach(function (a) { map.attributionControl.addAttribution(esc(a)); });
    }
  }

  window.ParakouMaps = {
    maps: {},
    last: null,
    esc: esc,
    init: function (map, groups, spec) {
      var state = { map: map, layers: {}, spec: spec, labels: [] };
      spec.layers.forEach(function (ls) { addLayer(state, ls, groups[ls.group]); });
      controls(state, spec);
      state.counts = function () {
        var out = {};
        Object.keys(state.layers).forEach(function (id) {
          out[id] = state.layers[id].features.filter(function (f) { return !!f._map; }).length;
        });
        return out;
      };
      state.search = function (q) { return search(state, q, 8).map(function (h) { return [h.entry.spec.id, h.i]; }); };
      state.parse = parse;
      state.go = function (id, i) { go(state, state.layers[id], i); };
      if (spec.bounds) { map.fitBounds(spec.bounds, { animate: false }); }
      state.labels.forEach(function (lab) { lab.render(); });
      state.streetLabels = function () {
        var out = [];
        state.labels.forEach(function (lab) { lab.shown.forEach(function (g) { out.push([lab.entry.spec.id, g]); }); });
        return out;
      };
      this.maps[map._container.id] = state;
      this.last = state;
      return state;
    }
  };
})();
