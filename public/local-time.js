// Shows each <time datetime> in the reader's own timezone; the page itself says UTC.
// Plain Date methods, not Intl: creating the first Intl formatter costs a slow phone ~150 ms.
(function () {
  var M = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function p(n) { return (n < 10 ? "0" : "") + n; }
  var ts = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < ts.length; i++) {
    var t = ts[i], d = new Date(t.dateTime);
    if (t.dateTime.length <= 10 || isNaN(d)) continue;
    var o = -d.getTimezoneOffset(), a = Math.abs(o);
    var z = "UTC" + (o ? (o > 0 ? "+" : "-") + Math.floor(a / 60) + (a % 60 ? ":" + p(a % 60) : "") : "");
    t.title = t.textContent;
    t.textContent = d.getDate() + " " + M[d.getMonth()] + " " + d.getFullYear() + ", " + p(d.getHours()) + ":" + p(d.getMinutes()) + " " + z;
  }
})();
