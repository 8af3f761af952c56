// The points of a stream as the mirror sent them, and the rows the chart
// draws from them. No DOM here (tests/console loads it in Node).
//
// Raw telemetry is [value, timestamp]; aggregated telemetry is
// [value, startTimestamp, endTimestamp] (MIRROR-API.md, section 4).

// The timestamp a page of points is continued from (MIRROR-API.md,
// isPartial): the last point's time, the last bucket's start.
export function lastTimestamp(points) {
	return points.length ? points[points.length - 1][1] : null;
}

// `points` followed by the points of `page` that come after them. A page
// asked from the last timestamp starts with that point (or bucket) again.
export function mergePage(points, page) {
	const last = lastTimestamp(points);
	if (last === null) return page.slice();
	return points.concat(page.filter((p) => p[1] > last));
}

function median(xs) {
	const s = xs.slice().sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

// Rows [Date, value] for raw points. Where the distance between two
// points exceeds GAP_FACTOR times the usual spacing, a null row breaks
// the line, so a stretch without data shows as a gap instead of a slope.
export const GAP_FACTOR = 3;

export function rawRows(points) {
	const rows = [];
	const steps = [];
	for (let i = 1; i < points.length; i++) steps.push(points[i][1] - points[i - 1][1]);
	const usual = steps.length >= 2 ? median(steps) : Infinity;
	points.forEach((p, i) => {
		if (i > 0 && p[1] - points[i - 1][1] > GAP_FACTOR * usual)
			rows.push([new Date(points[i - 1][1] + usual), null]);
		rows.push([new Date(p[1]), p[0]]);
	});
	return rows;
}

// Rows for buckets, drawn as steps (stepPlot): each bucket is a row at its
// start holding its value, and a null row at its end unless the next
// bucket starts there, so the step covers exactly [start, end) and an
// empty bucket left out by the mirror (decision 2) shows as a gap.
export function bucketRows(points) {
	const rows = [];
	points.forEach((p, i) => {
		rows.push([new Date(p[1]), p[0]]);
		const next = points[i + 1];
		if (!next || next[1] !== p[2]) rows.push([new Date(p[2]), null]);
	});
	return rows;
}

// The bucket (or raw point) whose row starts at `ms`, or null.
export function pointAt(points, ms) {
	let lo = 0;
	let hi = points.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const t = points[mid][1];
		if (t === ms) return points[mid];
		if (t < ms) lo = mid + 1;
		else hi = mid - 1;
	}
	return null;
}
