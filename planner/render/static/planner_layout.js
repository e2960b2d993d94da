// Layout helpers of the planner's maps (loaded before planner.js, which uses them):
// numbered markers that share a place spread on a ring with leader lines to their true place,
// popups that pan clear of the map's controls (legend, layer control, note), permanent
// labels that give way to markers and to each other, and the padding of the first view.
(function (global) {
  'use strict';

  // Rectangles ({l, t, r, b}, container pixels) of the visible controls of a map.
  function controlRects(map) {
    var c = map.getContainer(), cr = c.getBoundingClientRect(), out = [];
    var els = c.querySelectorAll('.leaflet-control');
    for (var i = 0; i < els.length; i++) {
      var r = els[i].getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        out.push({l: r.left - cr.left, t: r.top - cr.top, r: r.right - cr.left,
                  b: r.bottom - cr.top});
      }
    }
    return out;
  }

  function overlaps(a, b, pad) {
    return a.l < b.r + pad && b.l < a.r + pad && a.t < b.b + pad && b.t < a.b + pad;
  }

  // The smallest shift [dx, dy] that puts rectangle p inside the map (pad from its edges) and
  // clear of every box; null if there is none.
  function clearShift(p, boxes, W, H, pad) {
    var xs = [0, pad - p.l, W - pad - p.r], ys = [0, pad - p.t, H - pad - p.b], best = null;
    boxes.forEach(function (b) {
      xs.push(b.l - pad - p.r, b.r + pad - p.l);
      ys.push(b.t - pad - p.b, b.b + pad - p.t);
    });
    xs.forEach(function (dx) {
      ys.forEach(function (dy) {
        var q = {l: p.l + dx, t: p.t + dy, r: p.r + dx, b: p.b + dy};
        if (q.l < pad - 0.5 || q.t < pad - 0.5 || q.r > W - pad + 0.5 || q.b > H - pad + 0.5) {
          return;
        }
        for (var k = 0; k < boxes.length; k++) { if (overlaps(q, boxes[k], 0)) { return; } }
        var cost = Math.abs(dx) + Math.abs(dy);
        if (!best || cost < best.cost) { best = {dx: dx, dy: dy, cost: cost}; }
      });
    });
    return best;
  }

  // A popup that fits the map (its height and width) and pans clear of the controls.
  var PAD = 8;
  var PlannerPopup = L.Popup.extend({
    options: {maxWidth: 380, minWidth: 60, autoPanPadding: [PAD, PAD]},
    onAdd: function (map) {
      var size = map.getSize();
      this.options.maxHeight = Math.max(120, size.y - 2 * PAD - 60);
      this.options.maxWidth = Math.max(160, Math.min(380, size.x - 2 * PAD - 60));
      L.Popup.prototype.onAdd.call(this, map);
    },
    _adjustPan: function () {
      if (!this.options.autoPan || !this._map) { return; }
      var map = this._map;
      if (map._panAnim) { map._panAnim.stop(); }
      var marginBottom = parseInt(L.DomUtil.getStyle(this._container, 'marginBottom'), 10) || 0;
      var h = this._container.offsetHeight + marginBottom, w = this._containerWidth;
      var pos = L.point(this._containerLeft, -h - this._containerBottom)
        .add(L.DomUtil.getPosition(this._container));
      var tl = map.layerPointToContainerPoint(pos), size = map.getSize();
      var p = {l: tl.x, t: tl.y, r: tl.x + w, b: tl.y + h};
      var shift = clearShift(p, controlRects(map), size.x, size.y, PAD);
      if (!shift) {  // no place clear of every control: at least inside the map, top first
        shift = {dx: 0, dy: 0};
        if (p.r + PAD > size.x) { shift.dx = size.x - PAD - p.r; }
        if (p.l + shift.dx < PAD) { shift.dx = PAD - p.l; }
        if (p.b + PAD > size.y) { shift.dy = size.y - PAD - p.b; }
        if (p.t + shift.dy < PAD) { shift.dy = PAD - p.t; }
      }
      if (shift.dx || shift.dy) {
        map.fire('autopanstart');
        map.panBy([-shift.dx, -shift.dy], {animate: false});
      }
    }
  });

  function popup(html) { return new PlannerPopup().setContent(html); }

  // Numbered markers (L.Marker with ._home, their true place) whose boxes would overlap at this
  // zoom move onto a ring around their group's centre; a leader line joins each to its true
  // place, marked by a small dot. `size` is the icon's diameter in pixels. Boxes, not circles:
  // two markers are apart when they are D apart along x or along y.
  function spread(map, markers, leaders, size, colors) {
    var D = size + 4, n = markers.length;
    var apart = function (a, b) { return Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) >= D; };
    var home = markers.map(function (m) { return map.latLngToLayerPoint(m._home); });
    var group = markers.map(function (m, i) { return i; });
    function find(i) { while (group[i] !== i) { i = group[i] = group[group[i]]; } return i; }
    function join(i, j) { group[find(i)] = find(j); }
    for (var i = 0; i < n; i++) {
      for (var j = i + 1; j < n; j++) { if (!apart(home[i], home[j])) { join(i, j); } }
    }
    var pos = home.slice();
    function ring(ms) {
      var k = ms.length;
      var c = ms.reduce(function (a, m) { return a.add(home[m]); }, L.point(0, 0)).divideBy(k);
      var ang = function (m) {
        var d = home[m].subtract(c);
        return d.x || d.y ? Math.atan2(d.y, d.x) : -Math.PI / 2;
      };
      ms.sort(function (a, b) { return ang(a) - ang(b) || a - b; });
      var a0 = ang(ms[0]), R = Math.max(D * 0.75, D / (2 * Math.sin(Math.PI / k)));
      for (var grow = 0; grow < 20; grow++, R *= 1.12) {
        ms.forEach(function (m, q) {
          var a = a0 + 2 * Math.PI * q / k;
          pos[m] = c.add(L.point(Math.cos(a) * R, Math.sin(a) * R));
        });
        var ok = ms.every(function (m, q) {
          return ms.every(function (m2, q2) { return q2 <= q || apart(pos[m], pos[m2]); });
        });
        if (ok) { return; }
      }
    }
    for (var round = 0; round < 12; round++) {
      var members = {};
      for (i = 0; i < n; i++) { (members[find(i)] = members[find(i)] || []).push(i); }
      Object.keys(members).forEach(function (g) {
        var ms = members[g];
        if (ms.length === 1) { pos[ms[0]] = home[ms[0]]; } else { ring(ms); }
      });
      var merged = false;
      for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
          if (find(i) !== find(j) && !apart(pos[i], pos[j])) { join(i, j); merged = true; }
        }
      }
      if (!merged) { break; }
    }
    leaders.clearLayers();
    markers.forEach(function (m, q) {
      var moved = pos[q].distanceTo(home[q]) > 0.5;
      var ll = moved ? map.layerPointToLatLng(pos[q]) : m._home;
      m.setLatLng(ll);
      if (moved) {
        L.polyline([m._home, ll], {color: colors.leader, weight: 1.5, opacity: 0.9,
          interactive: false}).addTo(leaders);
        L.circleMarker(m._home, {radius: 3, color: colors.leader, weight: 1,
          fillColor: colors.leaderDot,
          fillOpacity: 1, interactive: false}).addTo(leaders);
      }
    });
  }

  // Permanent labels (tooltips) that overlap a marker or an earlier label are tried above and
  // below their place, then hidden until the zoom gives them room. `avoid`: elements, or
  // rectangles {l, t, r, b} in container pixels.
  function declutter(map, labels, avoid) {
    var c = map.getContainer().getBoundingClientRect(), taken = [];
    function rect(el) {
      var r = el.getBoundingClientRect();
      return {l: r.left - c.left, t: r.top - c.top, r: r.right - c.left, b: r.bottom - c.top};
    }
    avoid.forEach(function (a) { taken.push(a.nodeType ? rect(a) : a); });
    labels.forEach(function (el) {
      var found = false;
      var tries = [0, -1, 1];
      el.style.visibility = 'hidden';
      for (var k = 0; k < tries.length && !found; k++) {
        el.style.marginTop = '';
        var h = el.offsetHeight;
        el.style.marginTop = (tries[k] * (h + 6)) + 'px';
        var r = rect(el);
        found = !taken.some(function (t) { return overlaps(r, t, 2); });
        if (found) { taken.push(r); }
      }
      el.style.visibility = found ? '' : 'hidden';
      if (!found) { el.style.marginTop = ''; }
      el.classList.toggle('planner-label-hidden', !found);
    });
  }

  // Padding for fitBounds: each control pushes the edge it costs the view less to leave to
  // it (the legend in the bottom-right corner narrows the view rather than lowering it), at
  // most 40 % of the map per edge; the data then lies clear of every control.
  function fitPadding(map) {
    var size = map.getSize(), e = {top: 0, bottom: 0, left: 0, right: 0};
    controlRects(map).forEach(function (b) {
      var atLeft = b.l + b.r < size.x, atTop = b.t + b.b < size.y;
      var px = atLeft ? b.r : size.x - b.l, py = atTop ? b.b : size.y - b.t;
      if (px / size.x <= py / size.y) {
        var kx = atLeft ? 'left' : 'right';
        e[kx] = Math.max(e[kx], px);
      } else {
        var ky = atTop ? 'top' : 'bottom';
        e[ky] = Math.max(e[ky], py);
      }
    });
    var x = function (v) { return Math.min(v + PAD, 0.4 * size.x); };
    var y = function (v) { return Math.min(v + PAD, 0.4 * size.y); };
    return {paddingTopLeft: [x(e.left), y(e.top)], paddingBottomRight: [x(e.right), y(e.bottom)]};
  }

  // container-pixel rectangles of the circle markers of `layers` (canvas sites)
  function circleRects(map, layers) {
    return layers.map(function (l) {
      var p = map.latLngToContainerPoint(l.getLatLng()), r = l.getRadius() + 1;
      return {l: p.x - r, t: p.y - r, r: p.x + r, b: p.y + r};
    });
  }

  global.plannerLayout = {
    circleRects: circleRects,
    controlRects: controlRects,
    clearShift: clearShift,
    overlaps: overlaps,
    Popup: PlannerPopup,
    popup: popup,
    spread: spread,
    declutter: declutter,
    fitPadding: fitPadding
  };
})(window);
