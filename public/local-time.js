// Shows each <time datetime> in the reader's own timezone; the page itself says UTC.
(function () {
  var f = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var d = new Date(t.dateTime);
    if (t.dateTime.length > 10 && !isNaN(d)) {
      t.title = t.textContent;
      t.textContent = f.format(d);
    }
  });
})();
