import { describe, expect, it } from "vitest";
import { escapeXml, renderPanels } from "./chart.js";

describe("renderPanels", () => {
  it("draws one bar per value scaled to the largest, a dashed line per target, and n/a for a missing value", () => {
    const svg = renderPanels("Title <&>", [
      {
        title: "Latency",
        unit: "ms",
        bars: [
          { label: "search", value: 50, limit: 25 },
          { label: "missing", value: Number.NaN },
        ],
      },
    ]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("Title &lt;&amp;&gt;");
    // The plot is 400 px wide; 50 ms is the largest value, so the bar fills it and the 25 ms target sits halfway.
    expect(svg).toContain('<rect x="220" y="76" width="400.0" height="22" fill="#4a78b5"/>');
    expect(svg).toContain('<line x1="420.0"');
    expect(svg).toContain(">50.0 ms<");
    expect(svg).toContain(">n/a<");
    expect(svg.match(/<rect x="220"/g)).toHaveLength(2);
  });
});

describe("escapeXml", () => {
  it("escapes markup and quotes", () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  });
});
