// The chart: Debian's dygraphs (libjs-dygraphs, loaded by index.html as
// the global Dygraph). Raw points as a line, buckets as steps over their
// [start, end); drag to zoom, double-click to unzoom, buttons for the
// keyboard; the hovered point or bucket is written to a readout.
import { bucketRows, pointAt, rawRows } from "./series.js";

let dropped = false;

// dygraphs' legend plugin writes style="" attributes, which the page's
// Content-Security-Policy (style-src 'self') refuses; the readout below
// the chart takes its place.
function dropLegendPlugin(D) {
	if (dropped) return;
	D.PLUGINS = D.PLUGINS.filter((p) => p !== D.Plugins.Legend);
	dropped = true;
}

function timeText(ms) {
	return `${new Date(ms).toISOString().replace(".000Z", "Z")} (${ms})`;
}

// Keys that move the highlighted point, and by how many points.
const STEPS = { ArrowLeft: -1, ArrowRight: 1, PageUp: -10, PageDown: 10, Home: -Infinity, End: Infinity };

export class Chart {
	constructor(div, readout) {
		this.div = div;
		this.readout = readout;
		this.graph = null;
		this.points = [];
		this.rows = [];
		this.cursor = -1;
		this.aggregated = false;
		div.addEventListener("keydown", (e) => this.key(e));
	}

	// Draws `points` ([value, t] or [value, start, end]); `label` names
	// the series. Returns false when there is nothing to draw.
	show(points, aggregated, label) {
		const D = window.Dygraph;
		this.points = points;
		this.aggregated = aggregated;
		this.readout.textContent = "";
		if (this.graph) {
			this.graph.destroy();
			this.graph = null;
		}
		if (points.length === 0 || !D) return false;
		dropLegendPlugin(D);
		const rows = aggregated ? bucketRows(points) : rawRows(points);
		this.rows = rows;
		this.cursor = -1;
		this.graph = new D(this.div, rows, {
			labels: ["time", label],
			stepPlot: aggregated,
			drawPoints: !aggregated && points.length <= 500,
			pointSize: 2,
			strokeWidth: 1.5,
			connectSeparatedPoints: false,
			labelsUTC: true,
			legend: "never",
			colors: ["#1660c4"],
			animatedZooms: false,
			highlightCallback: (e, x) => this.hover(x),
			unhighlightCallback: () => { this.readout.textContent = ""; },
			axes: { y: { axisLabelWidth: 64 } },
		});
		return true;
	}

	hover(x) {
		const p = pointAt(this.points, x);
		if (!p) {
			this.readout.textContent = `${timeText(x)}: no data`;
			return;
		}
		this.readout.textContent = this.aggregated
			? `[${timeText(p[1])}, ${timeText(p[2])}): ${p[0]}`
			: `${timeText(p[1])}: ${p[0]}`;
	}

	// The keyboard's hover: arrows, Page Up/Down, Home and End move the
	// highlight from point to point (gaps skipped) and fill the readout.
	key(e) {
		const step = STEPS[e.key];
		if (!this.graph || step === undefined) return;
		e.preventDefault();
		const real = [];
		this.rows.forEach((r, i) => { if (r[1] !== null) real.push(i); });
		let at = real.indexOf(this.cursor);
		if (at < 0) at = step > 0 ? -1 : real.length;
		at = Math.max(0, Math.min(real.length - 1, Number.isFinite(step) ? at + step : step > 0 ? real.length - 1 : 0));
		this.cursor = real[at];
		this.graph.setSelection(this.cursor);
		this.hover(this.rows[this.cursor][0].getTime());
	}

	// Zoom by `factor` around the middle of what is shown (< 1 zooms in).
	zoom(factor) {
		if (!this.graph) return;
		const [a, b] = this.graph.xAxisRange();
		const mid = (a + b) / 2;
		const half = ((b - a) * factor) / 2;
		const [lo, hi] = this.graph.xAxisExtremes();
		this.graph.updateOptions({ dateWindow: [Math.max(lo, mid - half), Math.min(hi, mid + half)] });
	}

	reset() {
		if (this.graph) this.graph.resetZoom();
	}

	resize() {
		if (this.graph) this.graph.resize();
	}
}
