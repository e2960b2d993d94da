(function () {
  // fit the report's map to its sites (for the screen and for printing)
  function fitOne(o) {
    o.map.invalidateSize(false);
    var T = o.data && o.data.sites, pts = [];
    if (T && T.lat) {
      for (var i = 0; i < T.lat.length; i++) {
        if (T.lat[i] !== null && T.lon[i] !== null) { pts.push([T.lat[i], T.lon[i]]); }
      }
    }
    if (pts.length && o.fit) {
      o.fit(L.latLngBounds(pts).pad(0.25), {maxZoom: 12});
    } else if (pts.length) {
      o.map.fitBounds(L.latLngBounds(pts).pad(0.25), {maxZoom: 12, animate: false});
    } else if (o.data && o.data.bounds) {
      o.map.fitBounds(o.data.bounds, {animate: false});
    }
  }
  function fit() { (window.plannerMaps || []).forEach(fitOne); }
  window.addEventListener('load', fit);
  window.addEventListener('plannerready', function (e) { fitOne(e.detail); });
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
  if (window.matchMedia) {
    var mq = window.matchMedia('print');
    if (mq.addEventListener) { mq.addEventListener('change', fit); }
  }
  window.plannerReportFit = fit;
})();
