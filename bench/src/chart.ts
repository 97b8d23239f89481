import type { BenchReport } from "./report.js";

/** A hand-written SVG of the headline figures: horizontal bars per panel, each target drawn as a dashed line. */

export interface Bar {
  label: string;
  value: number;
  /** A target the bar should stay under (or reach, for throughput); drawn as a dashed line. */
  limit?: number;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

const WIDTH = 720;
const LABEL_WIDTH = 220;
const BAR_HEIGHT = 22;
const GAP = 8;
const PANEL_PADDING = 36;

export function escapeXml(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return text.replace(/[&<>"']/g, (character) => entities[character]!);
}

function renderPanel(panel: Panel, top: number): { svg: string; height: number } {
  const plotWidth = WIDTH - LABEL_WIDTH - 100;
  const finite = panel.bars.flatMap((bar) => [bar.value, bar.limit ?? 0]).filter(Number.isFinite);
  const scale = plotWidth / Math.max(1e-9, ...finite);
  const parts = [`<text x="10" y="${top + 20}" font-weight="bold">${escapeXml(panel.title)}</text>`];
  panel.bars.forEach((bar, index) => {
    const y = top + PANEL_PADDING + index * (BAR_HEIGHT + GAP);
    const width = Number.isFinite(bar.value) ? Math.max(1, bar.value * scale) : 0;
    const value = Number.isFinite(bar.value) ? `${bar.value.toFixed(bar.value >= 100 ? 0 : 1)} ${panel.unit}` : "n/a";
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="#4a78b5"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 15}">${escapeXml(value)}</text>`,
    );
    if (bar.limit !== undefined) {
      const x = (LABEL_WIDTH + bar.limit * scale).toFixed(1);
      parts.push(
        `<line x1="${x}" y1="${y - 3}" x2="${x}" y2="${y + BAR_HEIGHT + 3}" ` +
          `stroke="#c0392b" stroke-width="2" stroke-dasharray="4 3"/>`,
      );
    }
  });
  return { svg: parts.join("\n"), height: PANEL_PADDING + panel.bars.length * (BAR_HEIGHT + GAP) + 12 };
}

export function renderPanels(title: string, panels: Panel[]): string {
  const body: string[] = [];
  let top = 40;
  for (const panel of panels) {
    const rendered = renderPanel(panel, top);
    body.push(rendered.svg);
    top += rendered.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 20}" ` +
      `viewBox="0 0 ${WIDTH} ${top + 20}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    `<text x="10" y="${top + 8}" font-size="11" fill="#666">Dashed red lines: targets (bench/README.md).</text>`,
    `</svg>`,
    "",
  ].join("\n");
}

export function renderChart(report: BenchReport): string {
  const { summary: s, environment: env } = report;
  const memory = Object.entries(s.memory);
  return renderPanels(
    `PolyScale benchmark, ${env.mode} mode, ${env.settings.products.toLocaleString("en-US")} products, ` +
      `${env.cores} cores, ${env.startedAt}`,
    [
      {
        title: `Point reads at ${env.settings.pointReadConcurrency} concurrent clients`,
        unit: "req/s",
        bars: [
          { label: "GraphQL via gateway", value: s.pointReads.gatewayRps, limit: 0.6 * s.pointReads.grpcRps },
          { label: "gRPC GetProduct", value: s.pointReads.grpcRps, limit: 0.4 * s.pointReads.pgbenchRps },
          { label: "pgbench SELECT", value: s.pointReads.pgbenchRps },
        ],
      },
      {
        title: "Latency p99",
        unit: "ms",
        bars: [
          { label: "search", value: s.search.p99, limit: 25 },
          { label: "contended checkout (worst round)", value: s.checkout.worstP99, limit: 150 },
          { label: "nested listing", value: s.listing.p99 },
        ],
      },
      {
        title: "Resident memory at idle",
        unit: "MB",
        bars: memory.map(([name, m]) => ({ label: name, value: m.idleMb, limit: name === "gateway" ? 150 : 100 })),
      },
      {
        title: "Resident memory at peak under load",
        unit: "MB",
        bars: memory.map(([name, m]) => ({ label: name, value: m.peakMb })),
      },
    ],
  );
}
