/* Status banner for your own site: <script src="https://STATUS-HOST/embed.js" async></script>
   Shows active incidents and maintenance from the status API; shows nothing when all is well.
   Put <div id="oob-status"></div> where the banner should go (default: top of body).
   It asks the live status site first and, when that fails or takes over 4 s, its mirror on
   another provider (both addresses are filled in where it is served). No dependencies; if
   neither answers, it shows nothing (never an error on your page). */
(function (d) {
  var s = d.currentScript, o = new URL(s.src).origin;
  var u = ["%%LIVE%%", "%%MIRROR%%"].filter(function (x) { return x && x.charAt(0) != "%"; });
  var c = { minor: "#9a6700", major: "#c2410c", critical: "#b42318", maintenance: "#0a58ca", none: "#3d4450" };
  function get(i) {
    var a = new AbortController(), t = setTimeout(function () { a.abort(); }, 4000);
    return fetch((u.length ? u[i] : o) + "/api/v2/summary.json", { signal: a.signal }).then(function (r) {
      if (!r.ok) throw r.status;
      return r.json();
    }).catch(function (e) {
      if (i + 1 < u.length) return get(i + 1);
      throw e;
    }).finally(function () { clearTimeout(t); });
  }
  get(0).then(function (j) {
    var l = j.incidents.concat(j.scheduled_maintenances.filter(function (m) { return m.status == "in_progress" || m.status == "verifying"; }));
    if (!l.length) return;
    var b = d.createElement("div"), t = d.getElementById("oob-status");
    b.setAttribute("role", "region");
    b.setAttribute("aria-label", j.page.name + " status");
    b.style.cssText = "font:15px/1.4 system-ui,sans-serif;color:#fff;background:" + (c[l[0].impact] || c.none) + ";padding:10px 16px";
    l.forEach(function (i) {
      var p = d.createElement("div"), a = d.createElement("a"), u = i.incident_updates[0];
      a.href = i.shortlink;
      a.textContent = i.name;
      a.style.cssText = "color:#fff;font-weight:600";
      p.appendChild(a);
      p.appendChild(d.createTextNode(" \u2014 " + (u ? u.status.replace("_", " ") + ": " + u.body.slice(0, 140) : i.status)));
      b.appendChild(p);
    });
    t ? t.appendChild(b) : d.body.insertBefore(b, d.body.firstChild);
  }).catch(function () {});
})(document);
