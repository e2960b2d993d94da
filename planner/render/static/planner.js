(function (global) {
  'use strict';
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
        l.bindPopup(featurePopup(p), {maxWidth: 380});
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
        l.bindPopup(sitePopup(D, T, l.feature.properties.i), {maxWidth: 380});
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

  function addNumbered(D, group, T) {
    var layers = [];
    for (var i = T.lon.length - 1; i >= 0; i--) {
      var icon = L.divIcon({className: 'planner-num-icon', iconSize: [26, 26], iconAnchor: [13, 13],
        html: '<div class="planner-num" style="background:' + scoreColor(D, T, i) + '">' +
          esc(T.rank[i] === null ? '\u00d7' : T.rank[i]) + '</div>'});
      var m = L.marker([T.lat[i], T.lon[i]], {icon: icon, riseOnHover: true,
        zIndexOffset: 1000 - (T.rank[i] || 999)});
      m.feature = {type: 'Feature', properties: {i: i}};  // same lookup as the sites layer
      m.bindPopup(sitePopup(D, T, i), {maxWidth: 380});
      m.bindTooltip(siteTooltip(D, T, i));
      m.addTo(group);
      layers.push(m);
    }
    return layers;
  }

  // a box on the map (legend, note): fill(div) puts its content in
  function boxControl(map, position, cls, fill, keepScroll) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'planner-box ' + cls);
      fill(div);
      L.DomEvent.disableClickPropagation(div);
      if (keepScroll) { L.DomEvent.disableScrollPropagation(div); }
      return div;
    };
    c.addTo(map);
    return c;
  }

  function legend(map, D) {
    return boxControl(map, 'bottomright', 'planner-legend', function (div) {
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
        h.push('<div class="lg-ramp" style="background:' + esc(rampCss(C.ramp)) + '"></div>');
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
        h.push('<div class="lg-title">' + esc(D.t.legend_score) + '</div>');
        h.push('<div class="lg-ramp" style="background:' + esc(rampCss(C.ramp)) + '"></div>');
        var s = D.scale, mid = (s.lo + s.hi) / 2;
        h.push('<div class="lg-ticks"><span>' + esc(num(s.lo, 0)) + '</span><span>' +
          esc(num(mid, 0)) + '</span><span>' + esc(num(s.hi, 0)) + '</span></div>');
        sw('background:' + C.excluded, D.t.legend_excluded);
        if (D.top) { h.push('<div class="lg-row">' + esc(D.t.legend_top) + '</div>'); }
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
    return boxControl(map, 'bottomleft', 'planner-note', function (div) {
      D.note.forEach(function (text) {
        var line = L.DomUtil.create('div', '', div);
        line.textContent = text;
      });
    }, false);
  }

  global.plannerEsc = esc;
  global.plannerMaps = global.plannerMaps || [];

  // Draw order (one shared canvas: later is on top): the schematic region, areas, sites,
  // then the lines and points people orient by (transport, BAKAD), so sites never hide BAKAD.
  var ORDER = ['context', 'constraints', 'cities', 'zones', 'sites', 'best', 'transport', 'bakad'];

  global.plannerMap = function (map, G, D) {
    D.ramp = makeRamp(D.colors.ramp);
    NF = D.numfmt || NF;
    var out = {map: map, groups: G, data: D, layers: {}, counts: {}};
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
    if (D.bounds) { map.fitBounds(D.bounds); }
    global.plannerMaps.push(out);
    return out;
  };
})(window);
