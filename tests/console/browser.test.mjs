// The stream console in Debian's headless Chromium (playwright-core),
// against the stacks tests/console/run.sh starts: the wizard end to end on
// the sample store and on a real Prometheus, the chart's data compared
// point for point (from dygraph's own data, not a screenshot), paging,
// errors, masking, the CSP, the keyboard, two screen sizes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";
import { PNG } from "pngjs";

const E = process.env;
const BASE = `${E.CONSOLE_URL}/stackstate`;
const PAGE = `${BASE}/console/`;
const KEY = E.CONSOLE_KEY;
const ARTIFACTS = E.CONSOLE_ARTIFACTS;
const ERR_401 = { _type: "RemoteMirrorError", summary: "missing or wrong API key", details: "X-MIRROR-API-KEY is missing or wrong" };

let browser;
let context;
let page;
const exchanges = [];   // every /api/ call the page made: {path, request, status, json}
const pageErrors = [];

before(async () => {
	browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			`--ignore-certificate-errors-spki-list=${E.CONSOLE_SPKI}`],
	});
	context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC" });
	await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: E.CONSOLE_URL });
	// Every Content-Security-Policy violation the page meets, from the start.
	await context.addInitScript(() => {
		window.__csp = [];
		document.addEventListener("securitypolicyviolation", (e) =>
			window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample }));
	});
	page = await context.newPage();
	page.on("pageerror", (e) => pageErrors.push(e.message));
	page.on("response", async (r) => {
		const path = new URL(r.url()).pathname;
		if (!path.includes("/api/")) return;
		const entry = { path, request: JSON.parse(r.request().postData()), status: r.status(), json: null };
		exchanges.push(entry);
		entry.json = JSON.parse(await r.text());
	});
	await page.goto(PAGE);
	await page.waitForSelector("body[data-ready='1']");
});

after(async () => {
	if (browser) await browser.close();
});

// --- helpers -------------------------------------------------------------------------

// Clicks (or does) something that makes the page call the mirror, and
// waits until the page has handled the answer; returns that exchange.
async function act(doit) {
	const count = Number(await page.getAttribute("body", "data-actions") || "0");
	const calls = exchanges.length;
	await doit();
	await page.waitForFunction((n) => Number(document.body.dataset.actions || "0") > n, count);
	assert.ok(exchanges.length > calls, "the action called the mirror");
	const ex = exchanges[exchanges.length - 1];
	for (let i = 0; i < 100 && ex.json === null; i++) await new Promise((r) => setTimeout(r, 10));
	return ex;
}

const text = (sel) => page.textContent(sel);
const visible = (sel) => page.isVisible(sel);

// What the chart holds: dygraph's own parsed rows, [ms, value|null].
function chartRows() {
	return page.evaluate(() => window.mirrorConsole.graph.rawData_.map(([x, y]) => [x, y === null || Number.isNaN(y) ? null : y]));
}

function chartOption(name) {
	return page.evaluate((n) => window.mirrorConsole.graph.getOption(n), name);
}

// The rows the chart must hold for the mirror's points: raw points as
// they are (a null row breaks a stretch without data); buckets as a row
// at each start and a null row at each end no next bucket starts at.
function expectBuckets(points) {
	const rows = [];
	points.forEach((p, i) => {
		rows.push([p[1], p[0]]);
		if (!points[i + 1] || points[i + 1][1] !== p[2]) rows.push([p[2], null]);
	});
	return rows;
}

function nonNull(rows) {
	return rows.filter((r) => r[1] !== null);
}

function close(a, b) {
	return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function assertRowsClose(got, want, what) {
	assert.equal(got.length, want.length, `${what}: ${got.length} rows, want ${want.length}`);
	got.forEach((g, i) => {
		const w = want[i];
		assert.equal(g[0], w[0], `${what}: row ${i} time`);
		if (w[1] === null) assert.equal(g[1], null, `${what}: row ${i} is a gap`);
		else assert.ok(close(g[1], w[1]), `${what}: row ${i} value ${g[1]}, want ${w[1]}`);
	});
}

// Saves a screenshot and checks it is not blank: the picture's luminance
// varies, and it has many colours (text, chart, panels).
async function shot(name, opts = {}) {
	const file = join(ARTIFACTS, `${name}.png`);
	await page.evaluate(() => window.scrollTo(0, 0));
	const buf = await page.screenshot({ path: file, ...opts });
	const png = PNG.sync.read(buf);
	let sum = 0;
	let sq = 0;
	const colours = new Set();
	const n = png.width * png.height;
	for (let i = 0; i < png.data.length; i += 4) {
		const y = 0.2126 * png.data[i] + 0.7152 * png.data[i + 1] + 0.0722 * png.data[i + 2];
		sum += y;
		sq += y * y;
		if (colours.size < 5000) colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
	}
	const variance = sq / n - (sum / n) ** 2;
	assert.ok(variance > 100, `${name}.png looks blank (luminance variance ${variance.toFixed(1)})`);
	assert.ok(colours.size > 50, `${name}.png has only ${colours.size} colours`);
	return { file, buf, width: png.width, height: png.height };
}

async function selectField(name) {
	return act(() => page.click(`#fields button[data-field="${name}"]`));
}

async function clickValue(value) {
	await page.click(`#values button.value:text-is("${value}")`);
}

async function chips() {
	return page.$$eval("#chips li.chip .chip-text", (els) => els.map((e) => e.textContent));
}

async function removeAllChips() {
	while (await page.$("#chips .chip-x")) await page.click("#chips .chip-x");
}

async function setDetails(details) {
	await page.fill("#details", JSON.stringify(details));
}

async function draw(method, bucket) {
	await page.selectOption("#method", method);
	if (method) await page.selectOption("#bucket", bucket);
	return act(() => page.click("#draw"));
}

// A request of our own to the mirror (node's https, the test CA).
async function mirror(path, body, key = KEY) {
	const https = await import("node:https");
	const ca = readFileSync(join(E.CONSOLE_TLS_DIR, "ca.pem"));
	return new Promise((resolve, reject) => {
		const u = new URL(BASE + path);
		const req = https.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", ca, agent: false,
			headers: { "Content-Type": "application/json", "X-MIRROR-API-KEY": key } }, (res) => {
			let s = "";
			res.on("data", (c) => { s += c; });
			res.on("end", () => resolve({ status: res.statusCode, json: JSON.parse(s) }));
		});
		req.on("error", reject);
		req.end(JSON.stringify(body));
	});
}

// Answers computed by data.py from the samples it wrote (expected.py).
function expected(queries) {
	const out = execFileSync("python3", [join(import.meta.dirname, "expected.py"), ...queries.map((q) => JSON.stringify(q))]);
	return JSON.parse(out.toString());
}

// --- the tests, in order: they share one page ---------------------------------------

test("the page loads under its prefix with its own files only", async () => {
	assert.equal(await text("#base-url"), BASE);
	assert.equal(await page.evaluate(() => typeof window.Dygraph), "function");
	assert.equal(await page.evaluate(() => window.isSecureContext), true);
	assert.deepEqual(await page.evaluate(() => window.__csp), []);
	await shot("01-start");
});

test("data source: Test connection shows OK, and a store's FAILURE reason", async () => {
	await page.fill("#key", KEY);
	assert.equal(await page.evaluate(() => sessionStorage.getItem("mirror-console.key")), KEY);
	assert.equal(await page.evaluate(() => localStorage.length), 0);
	let ex = await act(() => page.click("#test-conn"));
	assert.deepEqual(ex.request, { _type: "TestConnectionRequest", connectionDetails: {} });
	assert.equal(await text("#conn-result"), "OK");
	assert.match(await text("#ex-key"), /matches the key typed/);

	await page.selectOption("#preset", "prometheus");
	assert.deepEqual(JSON.parse(await page.inputValue("#details")), { backend: "prometheus", url: "http://127.0.0.1:9090" });
	await setDetails({ backend: "prometheus", url: E.CONSOLE_DOWN_URL });
	ex = await act(() => page.click("#test-conn"));
	assert.equal(ex.status, 200);
	assert.equal(ex.json.status, "FAILURE");
	assert.equal(await text("#conn-result"), `FAILURE: MetricStoreConnectionError: ${ex.json.error.details}`);

	await page.fill("#details", '{"backend": ');
	assert.match(await text("#details-check"), /not JSON/);
	await page.fill("#details", "[]");
	assert.equal(await text("#details-check"), "connectionDetails must be a JSON object");
	await page.selectOption("#preset", "sample");
	assert.equal(await page.inputValue("#details"), "{}");
});

let sampleRaw;

test("wizard on the sample store: fields, a pattern drilled into, conditions of each type", async () => {
	let ex = await act(() => page.click("#load-fields"));
	assert.equal(ex.request._type, "FieldNamesRequest");
	const names = await page.$$eval("#fields button .fname", (els) => els.map((e) => e.textContent));
	assert.deepEqual(names, ex.json.fields.map((f) => f.fieldName));
	assert.deepEqual(await page.$$eval("#fields button:has(.classified) .fname", (els) => els.map((e) => e.textContent)), ["owner"]);
	assert.equal(await text('#fields button[data-field="cpu_cores"] .badge'), "NUMBER");
	// metricField offers the NUMBER fields
	const mf = await page.$$eval("#metric-field option", (els) => els.map((e) => e.value));
	assert.deepEqual(mf, ["", ...ex.json.fields.filter((f) => f.fieldType === "NUMBER").map((f) => f.fieldName)]);

	ex = await selectField("metric");
	assert.equal(ex.request.query.field.fieldName, "metric");
	assert.equal("fieldValuePrefix" in ex.request.query, false);
	const patterns = await page.$$eval("#values li.pattern button", (els) => els.map((e) => e.firstChild.textContent));
	assert.deepEqual(patterns, ex.json.values.filter((v) => v._type === "FieldValuePattern").map((v) => v.value));
	assert.ok(patterns.includes("cpu.*"));
	ex = await act(() => page.click('#values li.pattern button[aria-label="open group cpu.*"]'));
	assert.equal(ex.request.query.fieldValuePrefix, "cpu.*");
	assert.deepEqual(await page.$$eval("#crumbs li", (els) => els.map((e) => e.textContent)), ["all values", "cpu.*"]);
	assert.deepEqual(await page.$$eval("#values button.value", (els) => els.map((e) => e.textContent)),
		ex.json.values.map((v) => v.value));
	assert.equal(await page.evaluate(() => document.activeElement.textContent), "cpu.idle", "focus moves to the first value");
	await clickValue("cpu.user");
	// the breadcrumb leads back up
	ex = await act(() => page.click("#crumbs button:text-is('all values')"));
	assert.equal("fieldValuePrefix" in ex.request.query, false);

	ex = await selectField("host");
	assert.deepEqual(ex.request.query.conditions, [
		{ key: "metric", value: { value: "cpu.user", _type: "StringValue" }, _type: "EqualityCondition" }]);
	await clickValue("web-1");
	await page.click('#values button[aria-label="add web-2 to the host set"]');
	assert.deepEqual(await chips(), ["metric = cpu.user", "host ∈ {web-1, web-2}"]);
	await page.click('#chips button[aria-label="remove condition host ∈ {web-1, web-2}"]');
	assert.deepEqual(await chips(), ["metric = cpu.user"]);
	await clickValue("web-1");

	ex = await selectField("cpu_cores");
	assert.equal(ex.json.values.length, 1, "one series left: one cpu_cores value");
	await clickValue(String(ex.json.values[0].value));
	ex = await selectField("canary");
	await clickValue("false");
	// typed by hand: an InSetValue
	await page.fill("#cond-key", "region");
	await page.selectOption("#cond-type", "InSetValue");
	await page.fill("#cond-value", "eu-west-1, us-east-1");
	await page.click("#cond-add");
	await page.fill("#cond-key", "x");
	await page.selectOption("#cond-type", "DoubleValue");
	await page.fill("#cond-value", "many");
	await page.click("#cond-add");
	assert.equal(await text("#cond-check"), '"many" is not a number');

	const types = await page.$$eval("#chips .chip-type", (els) => els.map((e) => e.textContent));
	assert.deepEqual(types, ["String", "String", "Double", "Boolean", "InSet"]);
	ex = await draw("", "");
	assert.equal(ex.status, 200, JSON.stringify(ex.json));
	assert.deepEqual(ex.request.query.conditions.map((c) => [c.key, c.value]), [
		["metric", { value: "cpu.user", _type: "StringValue" }],
		["host", { value: "web-1", _type: "StringValue" }],
		["cpu_cores", { value: Number(exchanges.find((x) => x.request.query?.field?.fieldName === "cpu_cores").json.values[0].value), _type: "DoubleValue" }],
		["canary", { value: false, _type: "BooleanValue" }],
		["region", { value: ["eu-west-1", "us-east-1"], _type: "InSetValue" }],
	]);
	sampleRaw = ex;
	await shot("02-sample-wizard", { fullPage: true });
});

test("sample store, raw: the chart holds exactly the points the mirror returned", async () => {
	const ex = sampleRaw;
	const q = ex.request.query;
	assert.equal(q.endTime - q.startTime, 3600000, "the default window is the last hour");
	assert.equal(q.limit, 100500);
	assert.equal("aggregation" in q, false);
	const pts = ex.json.telemetry.points;
	assert.ok(pts.length > 300, `${pts.length} points in an hour`);
	const rows = await chartRows();
	assert.deepEqual(nonNull(rows), pts.map(([v, t]) => [t, v]));
	assert.equal(await chartOption("stepPlot"), false);
	assert.match(await text("#chart-status"), new RegExp(`^RawMetricTelemetry: ${pts.length} points, .*isPartial: false$`));
	assert.equal(await text("#chart-title"),
		`value where metric = cpu.user, host = web-1, cpu_cores = ${q.conditions[2].value.value}, canary = false, region ∈ {eu-west-1, us-east-1}`);
	assert.equal(await visible("#partial"), false);
});

for (const method of ["MEAN", "PERCENTILE_95"]) {
	for (const [bucket, bucketMs] of [["1m", 60000], ["5m", 300000]]) {
		test(`sample store, ${method} per ${bucket}: steps over each bucket's [start, end)`, async () => {
			const ex = await draw(method, bucket);
			assert.deepEqual(ex.request.query.aggregation, { method, bucketSizeMillis: bucketMs, _type: "Aggregation" });
			assert.equal(ex.json.telemetry._type, "AggregatedMetricTelemetry");
			const pts = ex.json.telemetry.points;
			// The window is the last hour, which may hold one of the sample
			// store's gaps (1 to 5 minutes in every 3 hours, README.md).
			assert.ok(pts.length >= 3600000 / bucketMs - 2 - Math.ceil(300000 / bucketMs),
				`${pts.length} buckets`);
			assert.deepEqual(await chartRows(), expectBuckets(pts));
			assert.equal(await chartOption("stepPlot"), true);
			assert.match(await text("#chart-status"), new RegExp(`${pts.length} buckets, .*; ${method} per ${bucketMs / 60000} min; `));
			if (method === "MEAN" && bucket === "5m") {
				// hover: the bucket under the mouse, with its bounds
				await page.locator("#chart").scrollIntoViewIfNeeded();
				const box = await page.locator("#chart canvas").first().boundingBox();
				await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
				const readout = await text("#readout");
				const m = /^\[(\S+) \((\d+)\), (\S+) \((\d+)\)\): (\S+)$/.exec(readout);
				assert.ok(m, `readout "${readout}"`);
				const b = pts.find((p) => p[1] === Number(m[2]));
				assert.deepEqual([Number(m[2]), Number(m[4]), Number(m[5])], [b[1], b[2], b[0]]);
				const full = await shot("03-sample-mean-5m");
				if (E.CONSOLE_DOC_SHOT) writeFileSync(E.CONSOLE_DOC_SHOT, full.buf);
			}
		});
	}
}

test("zoom: by dragging, by the buttons, and back", async () => {
	const extremes = await page.evaluate(() => window.mirrorConsole.graph.xAxisExtremes());
	await page.locator("#chart").scrollIntoViewIfNeeded();
	const box = await page.locator("#chart canvas").first().boundingBox();
	await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
	await page.mouse.up();
	const dragged = await page.evaluate(() => window.mirrorConsole.graph.xAxisRange());
	assert.ok(dragged[1] - dragged[0] < (extremes[1] - extremes[0]) * 0.5, "dragging zooms in");
	await page.click("#zoom-reset");
	assert.deepEqual(await page.evaluate(() => window.mirrorConsole.graph.xAxisRange()), extremes);
	await page.focus("#zoom-in");
	await page.keyboard.press("Enter");
	const zoomed = await page.evaluate(() => window.mirrorConsole.graph.xAxisRange());
	assert.ok(Math.abs((zoomed[1] - zoomed[0]) - (extremes[1] - extremes[0]) / 2) < 1, "Zoom in halves the range");
	await page.keyboard.press("Tab");
	await page.keyboard.press("Enter"); // Zoom out
	assert.deepEqual(await page.evaluate(() => window.mirrorConsole.graph.xAxisRange()), extremes);
});

test("isPartial: Load more pages from the last timestamp until the stream is whole", async () => {
	await page.fill("#limit", "100");
	let ex = await draw("", "");
	const first = ex.request;
	assert.equal(ex.json.telemetry.isPartial, true);
	assert.equal(await visible("#partial"), true);
	assert.match(await text("#partial-text"), /^isPartial: true\./);
	let pages = 1;
	let last = ex.json.telemetry.points.at(-1)[1];
	while (await visible("#partial")) {
		ex = await act(() => page.click("#load-more"));
		pages += 1;
		assert.equal(ex.request.query.startTime, last, "the next page starts at the last timestamp");
		assert.equal(ex.request.query.endTime, first.query.endTime);
		assert.equal(ex.request.query.limit, 100);
		last = ex.json.telemetry.points.at(-1)[1];
		assert.ok(pages < 10);
	}
	// the whole window in one request of our own
	const whole = await mirror("/api/metric", { ...first, query: { ...first.query, limit: 100500 } });
	assert.equal(whole.json.telemetry.isPartial, false);
	const want = whole.json.telemetry.points.map(([v, t]) => [t, v]);
	assert.ok(pages >= Math.ceil(want.length / 100));
	assert.deepEqual(nonNull(await chartRows()), want);
	assert.match(await text("#chart-status"), new RegExp(`${want.length} points.*; ${pages} requests; isPartial: false$`));
	await page.fill("#limit", "100500");
});

test("the last request and answer: shown, copyable, and the curl line gives the same answer", async () => {
	const ex = await draw("MAX", "15m");
	assert.deepEqual(JSON.parse(await text("#ex-request")), ex.request);
	await page.click("summary:text-is('Answer')");
	assert.deepEqual(JSON.parse(await text("#ex-answer")), ex.json);
	assert.match(await text("#ex-meta"), new RegExp(`^POST ${BASE}/api/metric → HTTP 200 in \\d+ ms$`));
	await page.click("button[data-copy='ex-curl']");
	const line = await page.evaluate(() => navigator.clipboard.readText());
	assert.equal(line, await text("#ex-curl"));
	assert.ok(!line.includes(KEY), "the key is left to the shell");
	const out = execFileSync("sh", ["-c", line], {
		stdio: ["ignore", "pipe", "inherit"],
		env: { PATH: process.env.PATH, MIRROR_API_KEY: KEY, CURL_CA_BUNDLE: join(E.CONSOLE_TLS_DIR, "ca.pem") },
	});
	assert.deepEqual(JSON.parse(out.toString()), ex.json);
	await page.click("summary:text-is('Request')");
	await page.click("button[data-copy='ex-request']");
	assert.deepEqual(JSON.parse(await page.evaluate(() => navigator.clipboard.readText())), ex.request);
});

test("classified values are masked until revealed", async () => {
	const ex = await selectField("owner");
	const real = ex.json.values.map((v) => v.value);
	assert.ok(real.length > 0);
	const shown = await page.$$eval("#values button.value", (els) => els.map((e) => e.textContent));
	assert.deepEqual(shown, real.map(() => "••••••"));
	const body = () => page.evaluate(() => document.body.innerText);
	for (const v of real) assert.ok(!(await body()).includes(v), `${v} is on the page`);
	await page.click('#values button.value >> nth=0');
	assert.ok((await chips()).includes("owner = ••••••"));
	assert.equal(await visible("#reveal"), true);
	await page.click("#reveal");
	assert.deepEqual(await page.$$eval("#values button.value", (els) => els.map((e) => e.textContent)), real);
	assert.ok((await chips()).includes(`owner = ${real[0]}`));
	assert.ok((await body()).includes(real[0]));
	await page.click("#reveal");
	for (const v of real) assert.ok(!(await body()).includes(v), `${v} is on the page after hiding`);
	await page.click('#chips button[aria-label="remove condition owner"]');
	assert.ok(!(await chips()).some((c) => c.startsWith("owner")));
});

test("errors: an unknown series and a wrong key, with _type, status and details", async () => {
	await removeAllChips();
	await page.click("#example");
	assert.deepEqual(await chips(), ["metric = cpu.user", "host = web-1"]);
	await page.fill("#cond-key", "metric");
	await page.selectOption("#cond-type", "StringValue");
	await page.fill("#cond-value", "cpu.nope");
	await page.click("#cond-add");
	let ex = await draw("", "");
	assert.equal(ex.status, 500);
	assert.equal(ex.json._type, "MetricNotFoundError");
	const lines = await page.$$eval("#error p", (els) => els.map((e) => e.textContent));
	assert.deepEqual(lines, [
		`MetricNotFoundError · HTTP 500 · POST ${BASE}/api/metric`,
		`details: ${ex.json.details}`,
		`metric: ${ex.json.metric}`,
	]);
	assert.match(await text("#chart-status"), /^No chart/);
	assert.equal(await page.evaluate(() => window.mirrorConsole.graph), null);
	await shot("04-error-unknown-series");

	await page.fill("#key", "wrong-key");
	ex = await draw("MEAN", "1m");
	assert.equal(ex.status, 401);
	assert.deepEqual(ex.json, ERR_401);
	assert.deepEqual(await page.$$eval("#error p", (els) => els.map((e) => e.textContent)), [
		`RemoteMirrorError · HTTP 401 · POST ${BASE}/api/metric`,
		`summary: ${ERR_401.summary}`,
		`details: ${ERR_401.details}`,
	]);
	ex = await act(() => page.click("#test-conn"));
	assert.equal(await text("#conn-result"), `RemoteMirrorError (HTTP 401): summary: ${ERR_401.summary}; details: ${ERR_401.details}`);
	await page.fill("#key", KEY);
	await removeAllChips();
	await page.click("#example");
	ex = await draw("", "");
	assert.equal(ex.status, 200);
	assert.equal(await visible("#error"), false);
});

test("Prometheus: the wizard, raw, MEAN and PERCENTILE_95 are data.py's values, gaps included", async () => {
	await removeAllChips();
	await setDetails({ backend: "prometheus", url: E.CONSOLE_PROM_URL });
	let ex = await act(() => page.click("#test-conn"));
	assert.equal(await text("#conn-result"), "OK");
	const { base_ms: start } = expected([]);
	const end = start + 2 * 3600000;
	await page.selectOption("#window", "custom");
	await page.fill("#win-start", new Date(start).toISOString());
	await page.fill("#win-end", String(end));
	ex = await act(() => page.click("#load-fields"));
	assert.deepEqual([ex.request.query.startTime, ex.request.query.endTime], [start, end]);
	assert.deepEqual(ex.request.connectionDetails, { backend: "prometheus", url: E.CONSOLE_PROM_URL });

	// two levels of FieldValuePattern: svc → app.* → app.web.*
	ex = await selectField("svc");
	assert.deepEqual(ex.json.values.map((v) => [v.value, v._type]),
		[["app.*", "FieldValuePattern"], ["batch_*", "FieldValuePattern"], ["solo", "CompleteValue"]]);
	ex = await act(() => page.click('#values button[aria-label="open group app.*"]'));
	ex = await act(() => page.click('#values button[aria-label="open group app.web.*"]'));
	assert.equal(ex.request.query.fieldValuePrefix, "app.web.*");
	assert.deepEqual(await page.$$eval("#crumbs li", (els) => els.map((e) => e.textContent)), ["all values", "app.*", "app.web.*"]);
	assert.deepEqual((await page.$$eval("#values button.value", (els) => els.map((e) => e.textContent))).sort(),
		Array.from({ length: 30 }, (_, i) => `app.web.${i}`).sort());
	ex = await act(() => page.click("#crumbs button:text-is('app.*')"));
	assert.equal(ex.request.query.fieldValuePrefix, "app.*");

	await selectField("__name__");
	await clickValue("mt_gauge");
	await selectField("instance");
	await clickValue("a");
	assert.deepEqual(await chips(), ["__name__ = mt_gauge", "instance = a"]);

	const queries = [{ series: "gauge_a", start, end }];
	const cases = [["", ""], ["MEAN", "1m"], ["PERCENTILE_95", "5m"], ["PERCENTILE_95", "1m"]];
	for (const [method, bucket] of cases.slice(1)) {
		queries.push({ series: "gauge_a", start, end, method, bucket: bucket === "1m" ? 60000 : 300000 });
	}
	const want = expected(queries).answers;
	for (const [i, [method, bucket]] of cases.entries()) {
		ex = await draw(method, bucket);
		assert.equal(ex.status, 200, JSON.stringify(ex.json));
		const rows = await chartRows();
		if (!method) {
			assertRowsClose(nonNull(rows), want[i].map(([v, t]) => [t, v]), "raw");
			assert.equal(rows.length - nonNull(rows).length, 1, "one null row across the 15-minute gap");
		} else {
			assertRowsClose(rows, expectBuckets(want[i]), `${method} ${bucket}`);
		}
		if (method === "MEAN") {
			// data.py's gauge_a has no samples for 15 minutes: 15 empty buckets
			assert.match(await text("#chart-status"), /; 15 empty buckets between them \(gaps\);/);
			await shot("05-prometheus-mean-1m");
		}
	}
});

test("keyboard only: fields, values, a condition, the chart", async () => {
	await removeAllChips();
	await page.focus("#load-fields");
	await act(() => page.keyboard.press("Enter"));
	await page.keyboard.press("Tab");
	assert.equal(await page.evaluate(() => document.activeElement.dataset.field), "__gauge__");
	await page.focus('#fields button[data-field="__name__"]');
	await act(() => page.keyboard.press("Enter"));
	assert.equal(await page.evaluate(() => document.activeElement.textContent), "mt_counter_total");
	await page.keyboard.press("Tab");
	await page.keyboard.press("Tab");
	assert.equal(await page.evaluate(() => document.activeElement.textContent), "mt_dense");
	await page.keyboard.press("Tab");
	await page.keyboard.press("Tab");
	assert.equal(await page.evaluate(() => document.activeElement.textContent), "mt_esc");
	await page.keyboard.press("Tab");
	await page.keyboard.press("Tab");
	await page.keyboard.press("Enter");
	assert.deepEqual(await chips(), ["__name__ = mt_gauge"]);
	await page.focus("#chips .chip-x");
	await page.keyboard.press("Enter");
	assert.deepEqual(await chips(), []);
	assert.equal(await page.evaluate(() => document.activeElement.id), "cond-key", "focus stays in the conditions");
	// every control can be reached with Tab, and shows where the focus is
	const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
	assert.notEqual(outline, "none");
	// the chart: End, then Left, give the last two buckets in the readout
	const pts = await page.evaluate(() => window.mirrorConsole.stream.points);
	await page.focus("#chart");
	await page.keyboard.press("End");
	const at = (p) => `[${new Date(p[1]).toISOString().replace(".000Z", "Z")} (${p[1]}), ` +
		`${new Date(p[2]).toISOString().replace(".000Z", "Z")} (${p[2]})): ${p[0]}`;
	assert.equal(await text("#readout"), at(pts.at(-1)));
	await page.keyboard.press("ArrowLeft");
	assert.equal(await text("#readout"), at(pts.at(-2)));
	await page.keyboard.press("Home");
	assert.equal(await text("#readout"), at(pts[0]));
});

test("readable at 1280x800 and at phone width, nothing wider than the screen", async () => {
	await setDetails({});
	await page.click("#example");
	await page.selectOption("#window", "6h");
	await act(() => page.click("#load-fields"));
	await draw("PERCENTILE_95", "15m");
	await page.evaluate(() => window.scrollTo(0, 0));
	assert.equal(await page.evaluate(() => window.scrollY), 0);
	const chartBox = await page.locator("#chart").boundingBox();
	assert.ok(chartBox.y + chartBox.height <= 800, "the chart is on the first screen at 1280x800");
	assert.ok(chartBox.width >= 700);
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1280));
	await shot("06-desktop-1280x800");
	await page.setViewportSize({ width: 390, height: 844 });
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no sideways scrolling at 390 px");
	const phoneChart = await page.locator("#chart canvas").first().boundingBox();
	assert.ok(phoneChart.width >= 300 && phoneChart.width <= 390, `chart ${phoneChart.width} px wide`);
	await shot("07-phone-390", { fullPage: true });
	await page.setViewportSize({ width: 1280, height: 800 });
});

test("the CSP: no violation so far, and an injected inline script and style are blocked", async () => {
	assert.deepEqual(await page.evaluate(() => window.__csp), []);
	await page.evaluate(() => {
		const s = document.createElement("script");
		s.textContent = "window.__injected = 1;";
		document.body.append(s);
		const st = document.createElement("style");
		st.textContent = "body { background: rgb(255, 0, 0) !important; }";
		document.head.append(st);
		const d = document.createElement("div");
		d.setAttribute("id", "injected");
		d.setAttribute("onclick", "window.__clicked = 1");
		document.body.append(d);
		d.click();
	});
	await page.waitForFunction(() => window.__csp.length >= 3);
	assert.equal(await page.evaluate(() => window.__injected), undefined);
	assert.equal(await page.evaluate(() => window.__clicked), undefined);
	assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 0, 0)");
	const dirs = (await page.evaluate(() => window.__csp)).map((v) => v.directive).sort();
	assert.deepEqual(dirs, ["script-src-attr", "script-src-elem", "style-src-elem"]);
	assert.deepEqual(pageErrors, []);
});
