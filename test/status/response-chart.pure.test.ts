// The response-time chart's geometry, as a table: averages per bucket, gaps, the path.
import { describe, expect, it } from "vitest";
import { bucketAverages, componentResponseCharts, responseChart } from "../../functions/status/response-chart.pure";
import { responseTimeHtml } from "../../functions/status/render";

const H = 3_600_000;
const T0 = Date.parse("2026-12-01T00:00:00.000Z");
const hour = (h: number) => new Date(T0 + h * H).toISOString();

describe("bucketAverages", () => {
  it.each([
    { name: "one row per bucket", rows: [{ hour: hour(0), count: 2, sumMs: 200 }, { hour: hour(1), count: 1, sumMs: 50 }], buckets: 2, want: [100, 50] },
    { name: "rows merged by weight", rows: [{ hour: hour(0), count: 1, sumMs: 100 }, { hour: hour(0), count: 3, sumMs: 900 }], buckets: 1, want: [250] },
    { name: "empty buckets are null, not zero", rows: [{ hour: hour(1), count: 1, sumMs: 80 }], buckets: 3, want: [null, 80, null] },
    { name: "rows outside the span and without latency ignored", rows: [{ hour: hour(-1), count: 1, sumMs: 9 }, { hour: hour(5), count: 1, sumMs: 9 }, { hour: hour(0), count: 0, sumMs: 0 }], buckets: 2, want: [null, null] },
  ])("$name", ({ rows, buckets, want }) => {
    expect(bucketAverages(rows, T0 + buckets * H, buckets, H)).toEqual(want);
  });
});

describe("responseChart", () => {
  it.each([
    { name: "nothing measured: no chart", series: [null, null], step: 4, path: null },
    { name: "the slowest point at the top, zero at the bottom", series: [0, 100], step: 4, path: "M0 23L4 1" },
    { name: "a gap breaks the line", series: [100, null, 100, 50], step: 1, path: "M0 1h1M2 1L3 12" },
    { name: "a lone point is a dash", series: [null, 40, null], step: 4, path: "M4 1h1" },
  ])("$name", ({ series, step, path }) => {
    const chart = responseChart(series, step);
    expect(chart?.path ?? null).toBe(path);
  });

  it("reports width, average and maximum", () => {
    expect(responseChart([100, 200, null, 300], 4)).toMatchObject({ width: 12, height: 24, maxMs: 300, averageMs: 200, points: 3 });
  });

  it("cuts 24 hours and 90 days from hourly rows", () => {
    const now = T0 + 100 * 86_400_000 + 30 * 60_000;
    const rows = [{ hour: new Date(now - 30 * 60_000).toISOString(), count: 1, sumMs: 120 }, { hour: new Date(now - 50 * 86_400_000).toISOString(), count: 1, sumMs: 80 }];
    const { day, quarter } = componentResponseCharts(rows, now);
    expect(day).toMatchObject({ points: 1, averageMs: 120, width: 92 });
    expect(quarter).toMatchObject({ points: 2, width: 89 });
  });
});

describe("responseTimeHtml", () => {
  it("escapes the component's name and draws nothing without data", () => {
    const out = responseTimeHtml('Mail <b>"x"</b>', { day: responseChart([10, 20], 4), quarter: null }).toString();
    expect(out).toContain("Mail &lt;b&gt;&quot;x&quot;&lt;/b&gt;: response time over 24 hours, average 15 ms, slowest 20 ms");
    expect(out).not.toContain("90 days");
    expect(responseTimeHtml("Mail", { day: null, quarter: null }).toString()).toBe("");
  });
});
