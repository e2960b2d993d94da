(function (global) {
  'use strict';
  var LAY = global.plannerLayout;
  var ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
             '`': '&#96;', '=': '&#61;'};
  function esc(v) {
    if (v === null || v === undefined) { return ''; }
    return String(v).replace(/[&<>"'`=]/g, function (c) { return ESC[c]; });
  }
  function fill(tpl, fields) {
    return String(tpl).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(fields, k) ? String(fields[k]) : m;
    });
  }
  // look-ups keyed by data (zone ids, statuses) must not reach Object.prototype members
  function own(obj, key) {
    return obj && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : null;
  }
  // decimal mark and minus sign of the map's language, from Babel (D.numfmt, set below)
  var NF = {decimal: '.', minus: '-'};
  function num(v, digits) {
    if (v === null || v === undefined || typeof v !== 'number' || !isFinite(v)) { return '\u2013'; }
    return v.toFixed(digits).replace('-', NF.minus).replace('.', NF.decimal);
  }
  // the score ramp arrives as data (planner.render.colors): [[percent, '#rrggbb'], ...]
  function hexRgb(h) {
    return [1, 3, 5].map(function (k) { return parseInt(h.slice(k, k + 2), 16); });
  }
  function makeRamp(stops) {
    return {p: stops.map(function (s) { return s[0] / 100; }),
            c: stops.map(function (s) { return hexRgb(s[1]); })};
  }
  function rampColor(R, t) {
    if (!(t >= 0)) { t = 0; }
    if (t > 1) { t = 1; }
    var k = 0;
    while (k < R.p.length - 2 && t > R.p[k + 1]) { k++; }
    var f = (t - R.p[k]) / ((R.p[k + 1] - R.p[k]) || 1), a = R.c[k], b = R.c[k + 1];
    var c = [0, 1, 2].map(function (j) { return Math.round(a[j] + (b[j] - a[j]) * f); });
    return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')';
  }
  function rampCss(stops) {
    return 'linear-gradient(to right,' + stops.map(function (s) {
      return s[1] + ' ' + s[0] + '%';
    }).join(',') + ')';
  }
  // a legend symbol (swatch, dot or line) described by data: {shape, fill, stroke, width, dash}
  function symbolCss(s) {
    var border = s.width + 'px ' + (s.dash ? 'dashed' : 'solid') + ' ' + s.stroke;
    if (s.shape === 'line') { return 'border-top:' + border; }
    var css = 'background:' + s.fill + (s.stroke ? ';border:' + border : '');
    return s.shape === 'dot' ? css + ';border-radius:50%;width:10px;height:10px' : css;
  }
  function cat(col, i) { return col ? col.v[col.c[i]] : ''; }

  function scoreColor(D, T, i) {
    if (T.rank[i] === null) { return D.colors.excluded; }
    var s = D.scale;
    if (s.same !== undefined && s.same !== null) { return rampColor(D.ramp, 1); }
    return rampColor(D.ramp, (T.score[i] - s.lo) / ((s.hi - s.lo) || 1));
  }

  function rawText(D, T, j, i) {
    var kind = T.kind[j], v = T.raw[j][i];
    if (kind === 'status') {
      return v ? (own(D.status, v) || v) : '\u2013';
    }
    if (kind === 'km') {
      var txt = num(v, 1) + ' ' + D.t.km;
      if (T.crit[j] === 'almaty' && T.inA && T.inA[i]) { txt += ' (' + D.t.in_almaty + ')'; }
      return txt;
    }
    if (kind === 'min') {
      return v === null || v === undefined ? '\u2013' : num(v, v < 10 ? 1 : 0) + ' ' + D.t.min;
    }
    return v === null || v === undefined ? '\u2013' : String(v);
  }

  function siteTooltip(D, T, i) {
    var head = T.name[i] || T.id[i];
    var tail = T.rank[i] === null ? ' (' + esc(D.t.excluded) + ')'
      : ' \u00b7 ' + esc(D.t.rank) + ' ' + esc(T.rank[i]);
    return '<b>' + esc(head) + '</b><br>' + esc(D.t.score) + ': ' + esc(num(T.score[i], 1)) + tail;
  }

  function sitePopup(D, T, i) {
    var h = ['<div class="planner-popup">'];
    h.push('<div class="pp-title">' + esc(T.name[i] || T.id[i]) + '</div>');
    var rank = T.rank[i] === null ? '' : ' \u00b7 ' + esc(D.t.rank) + ': ' + esc(T.rank[i]);
    h.push('<div class="pp-sub">' + (T.name[i] ? esc(T.id[i]) + ' \u00b7 ' : '') +
      esc(D.t.score) + ': <b>' + esc(num(T.score[i], 1)) + '</b>' + rank + '</div>');
    if (T.company && !T.comp) {
      h.push('<div>' + esc(D.t.company) + ': <b>' + esc(T.company[i]) + '</b></div>');
    }
    var ex = cat(T.excl, i);
    if (T.rank[i] === null || ex) {
      h.push('<div class="pp-excl">' + esc(D.t.excluded) + (ex ? ': ' + esc(ex) : '') + '</div>');
    }
    var zone = cat(T.zone, i), zs = cat(T.zs, i);
    var zname = zone ? own(D.zoneNames, zone) : null;
    var zoneText = zone ? esc(zname || zone) + (zs ? ' (' + esc(own(D.status, zs) || zs) + ')' : '')
      : esc(D.t.no_zone);
    h.push('<div>' + esc(D.t.zone) + ': ' + zoneText + '</div>');
    if (T.crit.length) {
      h.push('<table class="pp-table"><tr><th>' + esc(D.t.criterion) + '</th><th class="num">' +
        esc(D.t.value) + '</th><th class="num">' + esc(D.t.points) + '</th></tr>');
      for (var j = 0; j < T.crit.length; j++) {
        h.push('<tr class="pp-row"><td>' + esc(own(D.crit, T.crit[j]) || T.crit[j]) +
          '</td><td class="num">' + esc(rawText(D, T, j, i)) +
          '</td><td class="num">' + esc(num(T.pts[j][i], 1)) + '</td></tr>');
      }
      h.push('<tr class="pp-total"><td>' + esc(D.t.total) + '</td><td></td><td class="num">' +
        esc(num(T.score[i], 1)) + '</td></tr></table>');
    }
    if (T.comp && T.comp[i]) {
      var list = T.comp[i], more = T.compMore ? T.compMore[i] : 0;
      h.push('<div><b>' + esc(fill(D.t.companies, {n: list.length + more})) +
        '</b><ol class="pp-comp">');
      list.forEach(function (c) {
        h.push('<li>' + esc(c[0]) + ' \u2013 ' + esc(num(c[1], 1)) + '</li>');
      });
      h.push('</ol>' + (more ? esc(fill(D.t.more, {n: more})) : '') + '</div>');
    }
    var why = T.why ? T.why[String(i)] : null;
    if (why) {
      h.push('<div class="pp-why"><b>' + esc(D.t.why) + ':</b> ' + esc(why) + '</div>');
    }
    h.push('</div>');
    return h.join('');
  }

  function featurePopup(p) {
    var h = ['<div class="planner-popup"><div class="pp-title">' + esc(p.h) + '</div><table>'];
    (p.r || []).forEach(function (row) {
      h.push('<tr><td>' + esc(row[0]) + '</td><td>' + esc(row[1]) + '</td></tr>');
    });
    h.push('</table></div>');
    return h.join('');
  }

  function addFeatures(group, fc, pane) {
    var opts = {
      style: function (f) { return f.properties.s; },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, f.properties.s); },
      onEachFeature: function (f, l) {
        var p = f.properties;
        if (p.lbl) {
          l.bindTooltip(esc(p.t),
            {permanent: true, direction: 'center', className: 'planner-label'});
        } else if (p.t) {
          l.bindTooltip(esc(p.t), {sticky: true});
        }
        l.bindPopup(LAY.popup(featurePopup(p)));
      }
    };
    if (pane) { opts.pane = pane; }  // its own canvas in that pane
    var layer = L.geoJSON(fc, opts);
    layer.addTo(group);
    return layer;
  }

  // One GeoJSON layer for any number of sites: features are made here from columns, popups
  // and tooltips are bound lazily on the first click / hover (no per-site objects up front).
  function addSites(D, group, T, radius) {
    var n = T.lon.length, feats = new Array(n), stroke = n <= 5000;
    for (var i = 0; i < n; i++) {
      feats[i] = {type: 'Feature', properties: {i: i},
                  geometry: {type: 'Point', coordinates: [T.lon[i], T.lat[i]]}};
    }
    var layer = L.geoJSON({type: 'FeatureCollection', features: feats}, {
      pointToLayer: function (f, latlng) {
        var k = f.properties.i;
        var r = typeof radius === 'function' ? radius(k) : radius;
        return L.circleMarker(latlng, {radius: r, stroke: stroke, weight: 0.6,
          color: D.colors.siteOutline,
          fillColor: scoreColor(D, T, k), fillOpacity: stroke ? 0.9 : 0.8});
      }
    });
    layer.on('click', function (e) {
      var l = e.layer;
      if (!l.getPopup()) {
        l.bindPopup(LAY.popup(sitePopup(D, T, l.feature.properties.i)));
        l.openPopup();
      }
    });
    layer.on('mouseover', function (e) {
      var l = e.layer;
      if (!l.getTooltip()) {
        l.bindTooltip(siteTooltip(D, T, l.feature.properties.i));
        l.openTooltip();
      }
    });
    layer.addTo(group);
    return layer;
  }

  // 'dark' or 'light' text, whichever reads better on an 'rgb(r,g,b)' background
  function inkOn(rgb) {
    var c = rgb.match(/\d+/g).map(Number);
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255 > 0.5 ? 'dark' : 'light';
  }

  var NUM_SIZE = 26;  // the numbered marker's diameter in pixels (planner.css .planner-num)

  function addNumbered(D, group, T) {
    var layers = [];
    for (var i = T.lon.length - 1; i >= 0; i--) {
      if (T.lat[i] === null || T.lon[i] === null) { continue; }
      var bg = scoreColor(D, T, i);
      var icon = L.divIcon({className: 'planner-num-icon', iconSize: [NUM_SIZE, NUM_SIZE],
        iconAnchor: [NUM_SIZE / 2, NUM_SIZE / 2],
        html: '<div class="planner-num planner-ink-' + inkOn(bg) +
          '" style="background:' + bg + '">' +
          esc(T.rank[i] === null ? '\u00d7' : T.rank[i]) + '</div>'});
      var m = L.marker([T.lat[i], T.lon[i]], {icon: icon, riseOnHover: true,
        zIndexOffset: 1000 - (T.rank[i] || 999)});
      m._home = L.latLng(T.lat[i], T.lon[i]);  // its true place (spread() may move the icon)
      m.feature = {type: 'Feature', properties: {i: i}};  // same lookup as the sites layer
      m.bindPopup(LAY.popup(sitePopup(D, T, i)));
      m.bindTooltip(siteTooltip(D, T, i));
      m.addTo(group);
      layers.push(m);
    }
    return layers;
  }

  // A box on the map (legend, note) with a title bar that collapses it: fill(body) puts the
  // content in. It starts collapsed on a small map (it would cover most of it).
  function boxControl(map, D, position, cls, title, fill, keepScroll) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'planner-box ' + cls);
      var head = L.DomUtil.create('button', 'planner-box-head', div);
      head.type = 'button';
      var body = L.DomUtil.create('div', 'planner-box-body', div);
      fill(body);
      function set(open) {
        div.classList.toggle('planner-collapsed', !open);
        head.setAttribute('aria-expanded', open ? 'true' : 'false');
        head.title = open ? D.t.box_collapse : D.t.box_expand;
        head.textContent = (open ? '\u25be ' : '\u25b8 ') + title;
      }
      var size = map.getSize();
      set(size.x >= 700 && size.y >= 560);
      L.DomEvent.on(head, 'click', function () {
        set(div.classList.contains('planner-collapsed'));
      });
      L.DomEvent.disableClickPropagation(div);
      if (keepScroll) { L.DomEvent.disableScrollPropagation(div); }
      return div;
    };
    c.addTo(map);
    return c;
  }

  // the score legend of the sites: a ramp over the map's scale, or one value when every
  // site has the same score (or there is only one)
  function siteScale(D, h) {
    var C = D.colors, s = D.scale;
    h.push('<div class="lg-title">' + esc(D.t.legend_score) + '</div>');
    if (s.same !== undefined && s.same !== null) {
      var text = fill(s.n === 1 ? D.t.legend_single : D.t.legend_same, {score: num(s.same, 1)});
      h.push('<div class="lg-row"><span class="lg-sw" style="' +
        esc('background:' + rampColor(D.ramp, 1)) + '"></span><span>' + esc(text) +
        '</span></div>');
      return;
    }
    var digits = s.hi - s.lo < 3 ? 1 : 0, mid = (s.lo + s.hi) / 2;
    h.push('<div class="lg-ramp lg-site-ramp" style="background:' + esc(rampCss(C.ramp)) +
      '"></div>');
    h.push('<div class="lg-ticks"><span>' + esc(num(s.lo, digits)) + '</span><span>' +
      esc(num(mid, digits)) + '</span><span>' + esc(num(s.hi, digits)) + '</span></div>');
  }

  function legend(map, D) {
    return boxControl(map, D, 'bottomright', 'planner-legend', D.t.legend_title, function (div) {
      var h = [];
      function sw(style, text) {
        h.push('<div class="lg-row"><span class="lg-sw" style="' + esc(style) + '"></span><span>' +
          esc(text) + '</span></div>');
      }
      function line(style, text) {
        h.push('<div class="lg-row"><span class="lg-line" style="' + esc(style) + '"></span><span>' +
          esc(text) + '</span></div>');
      }
      var C = D.colors;
      if (D.surface) {
        h.push('<div class="lg-surface"><div class="lg-title">' + esc(D.t.legend_surface) +
          '</div>');
        h.push('<div class="lg-ramp" style="background:' + esc(rampCss(C.surfaceRamp)) +
          '"></div>');
        h.push('<div class="lg-ticks"><span>0</span><span>50</span><span>100</span></div>');
        sw('background:' + D.surface.excludedColor, D.t.legend_excluded);
        h.push('</div>');
      }
      if (D.isochrones) {
        h.push('<div class="lg-isochrones"><div class="lg-title">' + esc(D.isochrones.title) +
          '</div>');
        D.isochrones.bands.forEach(function (b) {
          sw('background:' + b.fill + ';opacity:' + D.isochrones.opacity, b.label);
        });
        h.push('</div>');
      }
      if (D.sites || D.top || D.best) {
        siteScale(D, h);
        sw('background:' + C.excluded, D.t.legend_excluded);
        if (D.top) {
          h.push('<div class="lg-row">' + esc(D.t.legend_top) + '</div>');
          line('border-top:1.5px solid ' + C.leader, D.t.legend_leader);
        }
        if (D.best) { h.push('<div class="lg-row">' + esc(D.t.legend_best) + '</div>'); }
      }
      h.push('<div class="lg-title">' + esc(fill(D.t.legend_zones, {date: D.asOfText || D.asOf})) +
        '</div>');
      Object.keys(C.zones).forEach(function (k) {
        sw('background:' + C.zones[k] + ';opacity:' + C.zoneOpacity, D.status[k]);
      });
      sw(symbolCss(C.sez), D.t.legend_sez);
      sw(symbolCss(C.approximate), D.t.legend_approximate);
      h.push('<div class="lg-title">' + esc(D.t.legend_lines) + '</div>');
      Object.keys(C.lines).forEach(function (k) {
        var sym = C.lines[k];
        (sym.shape === 'line' ? line : sw)(symbolCss(sym), D.t[k]);
      });
      div.innerHTML = h.join('');
    }, true);
  }

  function note(map, D) {
    return boxControl(map, D, 'bottomleft', 'planner-note', D.t.note_title, function (div) {
      D.note.forEach(function (text) {
        var line = L.DomUtil.create('div', '', div);
        line.textContent = text;
      });
    }, false);
  }

  // ------------------------------------------------------------------ packed site tables
  // planner.render.map_pack: base64(zlib(4-byte header length, JSON header, byte planes)).
  // Each number is an unsigned offset from the column's minimum `o` in `w` byte planes;
  // the code `z` means missing (null); `d` decimals. Rebuilds the plain table exactly.
  function planes(spec, n, u8) {
    var f = Math.pow(10, spec.d);
    if (spec.j) {  // a column too wide for 32 bits: its integers as JSON
      return spec.j.map(function (v) { return v === null ? null : (spec.d ? v / f : v); });
    }
    // filled by push, not new Array(n): an array of numbers only then stays unboxed
    var out = [], w = spec.w, at = spec.at, o = spec.o, z = spec.z;
    for (var i = 0; i < n; i++) {
      var u = u8[at + i];
      if (w > 1) { u += u8[at + n + i] * 256; }
      if (w > 2) { u += u8[at + 2 * n + i] * 65536; }
      if (w > 3) { u += u8[at + 3 * n + i] * 16777216; }
      out.push((z !== null && u === z) ? null : (spec.d ? (u + o) / f : u + o));
    }
    return out;
  }

  function unpackBytes(u8) {
    var size = u8[0] | (u8[1] << 8) | (u8[2] << 16) | (u8[3] * 16777216);
    var head = JSON.parse(new TextDecoder('utf-8').decode(u8.subarray(4, 4 + size)));
    var data = u8.subarray(4 + size), n = head.n;
    var cat = function (s) { return s ? {v: s.v, c: planes(s.c, n, data)} : null; };
    var T = {};
    Object.keys(head.nums).forEach(function (k) { T[k] = planes(head.nums[k], n, data); });
    T.id = head.id;
    T.name = head.name;
    T.zone = cat(head.cats.zone);
    T.zs = cat(head.cats.zs);
    T.crit = head.crit;
    T.kind = head.kind;
    T.raw = head.raw.map(function (col) {
      if (!col) { return new Array(n).fill(null); }
      if (col.num) { return planes(col.num, n, data); }
      var c = cat(col.cat);
      return c.c.map(function (k) { return c.v[k]; });
    });
    T.pts = head.pts.map(function (s) { return planes(s, n, data); });
    if (head.inA) { T.inA = planes(head.inA, n, data).map(function (v) { return v === 1; }); }
    if (head.cats.excl) { T.excl = cat(head.cats.excl); }
    if (head.why) { T.why = head.why; }
    return T;
  }

  // a Promise of the plain table of a packed one (the browser's own inflate)
  function unpack(P) {
    var bin = atob(P.b64), u8 = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { u8[i] = bin.charCodeAt(i); }
    if (typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot open the map: it has no ' +
        'DecompressionStream (Chrome 80+, Firefox 113+, Safari 16.4+)'));
    }
    var stream = new Blob([u8]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer().then(function (buf) {
      return unpackBytes(new Uint8Array(buf));
    });
  }

  global.plannerEsc = esc;
  global.plannerUnpack = unpack;
  global.plannerSitePopup = sitePopup;
  global.plannerMaps = global.plannerMaps || [];

  // Draw order (one shared canvas: later is on top): the schematic region, areas, sites,
  // then the lines and points people orient by (transport, BAKAD), so sites never hide BAKAD.
  var ORDER = ['context', 'constraints', 'cities', 'zones', 'sites', 'best', 'transport', 'bakad'];

  // city labels give way to sites on maps with up to this many
  var LABEL_AVOID_SITES = 300;

  // numbered markers apart and city labels clear of them and of the sites, at this zoom
  function layout(out) {
    var map = out.map;
    if (out.layers.top && map.hasLayer(out.groups.top)) {
      LAY.spread(map, out.layers.top, out.leaders, NUM_SIZE, out.data.colors);
    }
    var labels = [], avoid = [];
    var c = map.getContainer();
    c.querySelectorAll('.planner-label').forEach(function (el) { labels.push(el); });
    c.querySelectorAll('.planner-num').forEach(function (el) { avoid.push(el); });
    // the sites too, where they are few enough to be told apart (a grid of thousands is not)
    ['best', 'sites'].forEach(function (k) {
      var layer = out.layers[k], g = out.groups[k];
      if (!layer || !map.hasLayer(g) || layer.getLayers().length > LABEL_AVOID_SITES) { return; }
      avoid = avoid.concat(LAY.circleRects(map, layer.getLayers()));
    });
    LAY.declutter(map, labels, avoid);
  }

  function draw(out) {
    var map = out.map, G = out.groups, D = out.data;
    ORDER.forEach(function (k) {
      if (!G[k]) { return; }
      if (k === 'sites' && D.sites) {
        out.layers.sites = addSites(D, G.sites, D.sites, D.sites.lon.length > 20000 ? 2.5 : 4);
      } else if (k === 'best' && D.best) {
        var B = D.best;
        out.layers.best = addSites(D, G.best, B, function (j) {
          return 5 + 2.5 * Math.sqrt(B.comp[j].length + (B.compMore ? B.compMore[j] : 0));
        });
      } else if (D.layers[k]) {
        var pane = k === 'context' ? D.contextPane || null : null;
        out.layers[k] = addFeatures(G[k], D.layers[k], pane);
      }
      if (out.layers[k]) { out.counts[k] = out.layers[k].getLayers().length; }
    });
    if (D.top && G.top) {
      out.layers.top = addNumbered(D, G.top, D.top);  // markers: their own pane, above all
      out.counts.top = out.layers.top.length;
      out.leaders = L.layerGroup().addTo(G.top);
    }
    // a group switched back on is drawn last: lift the groups that belong above it again
    map.on('overlayadd', function (e) {
      var k = ORDER.indexOf(Object.keys(G).filter(function (g) { return G[g] === e.layer; })[0]);
      if (k < 0) { return; }
      if (ORDER[k] === 'context') { G.context.bringToBack(); }
      ORDER.slice(k + 1).forEach(function (g) {
        if (G[g] && map.hasLayer(G[g]) && G[g].bringToFront) { G[g].bringToFront(); }
      });
    });
    L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map);
    out.note = note(map, D);
    out.legend = legend(map, D);
    if (G.isochrones) {
      map.on('overlayadd overlayremove', function (e) {
        if (e.layer !== G.isochrones) { return; }
        var el = out.legend.getContainer().querySelector('.lg-isochrones');
        if (el) { el.style.display = e.type === 'overlayadd' ? '' : 'none'; }
      });
    }
    if (G.surface) {
      out.surface = G.surface;  // an image in its own pane: no draw order to restore
      map.on('overlayadd overlayremove', function (e) {
        if (e.layer !== G.surface) { return; }
        var el = out.legend.getContainer().querySelector('.lg-surface');
        if (el) { el.style.display = e.type === 'overlayadd' ? '' : 'none'; }
      });
    }
    out.fit = function (bounds, opts) {
      var pad = LAY.fitPadding(map);
      map.fitBounds(bounds || D.bounds, L.extend({animate: false}, pad, opts || {}));
      layout(out);
    };
    if (D.bounds) { out.fit(); }
    map.on('zoomend', function () { layout(out); });
    map.on('overlayadd', function () { layout(out); });
    out.layout = function () { layout(out); };
  }

  // Draws the data D on the map with the feature groups G. The sites may arrive packed
  // (planner.render.map_pack); the map is drawn once they are unpacked: the returned
  // object's `ready` is a Promise of it, and it joins window.plannerMaps (and the window gets
  // a 'plannerready' event) when everything is on the map.
  global.plannerMap = function (map, G, D) {
    D.ramp = makeRamp(D.colors.ramp);
    NF = D.numfmt || NF;
    var out = {map: map, groups: G, data: D, layers: {}, counts: {}};
    var sites = D.sites && D.sites.packed ? unpack(D.sites) : Promise.resolve(D.sites);
    out.ready = sites.then(function (T) {
      D.sites = T;
      draw(out);
      global.plannerMaps.push(out);
      global.dispatchEvent(new CustomEvent('plannerready', {detail: out}));
      return out;
    });
    out.ready.catch(function (err) {
      console.error('planner map: ' + err.message);
      var box = L.DomUtil.create('div', 'planner-box planner-error', map.getContainer());
      box.textContent = err.message;
    });
    return out;
  };
})(window);
