// The stream console: StackState's Stream Wizard against this mirror.
// 1. data source (key, connectionDetails, Test connection), 2. stream
// (field names, values with FieldValuePattern drill-down, conditions,
// metricField, window, aggregation), 3. the chart, 4. the last exchange.
import { answered, baseFor, call, curlLine, prettyJson, problem } from "./api.js";
import { Chart } from "./chart.js";
import { $, h, options, show } from "./dom.js";
import { maskAnswer, maskRequest } from "./mask.js";
import {
	BUCKETS, MASK, METHODS, METRIC_LIMIT, TYPE_FOR_FIELD, VALUE_TYPES, WINDOWS,
	addToSet, conditionText, durationText, connectionBody, fieldNamesBody, fieldValuesBody,
	makeCondition, metricBody, nextPageBody, removeCondition, setCondition, windowRange,
} from "./model.js";
import { PRESETS, presetFor } from "./presets.js";
import { lastTimestamp, mergePage } from "./series.js";

// Only sessionStorage: the key and the details live as long as the tab.
const STORE = { key: "mirror-console.key", details: "mirror-console.details" };
const MAX_SHOWN_VALUES = 2000;
const MAX_SHOWN_JSON = 200000;

const state = {
	base: baseFor(location.origin, location.pathname),
	fields: [],         // FieldDescriptors of the last field-name answer
	field: null,        // the field whose values are listed
	crumbs: [],         // FieldValuePatterns drilled into, outermost first
	values: [],
	valuesPartial: false,
	revealed: new Set(), // classified field names the operator revealed
	conds: [],
	stream: null,       // {body, points, aggregated, label, partial, pages}
	lastExchange: null,
};
let chart = null;

// --- classified fields -------------------------------------------------------

function hiddenKeys() {
	return new Set(state.fields.filter((f) => f.classified && !state.revealed.has(f.fieldName)).map((f) => f.fieldName));
}

function fieldNamed(name) {
	return state.fields.find((f) => f.fieldName === name) || null;
}

// --- inputs ------------------------------------------------------------------------

function apiKey() {
	return $("key").value;
}

function readDetails() {
	let v;
	try {
		v = JSON.parse($("details").value);
	} catch (e) {
		throw new Error(`connectionDetails is not JSON: ${e.message}`);
	}
	if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("connectionDetails must be a JSON object");
	return v;
}

function checkDetails() {
	const out = $("details-check");
	let preset = null;
	try {
		const d = readDetails();
		out.textContent = "valid JSON object";
		out.className = "check ok";
		preset = presetFor(d);
		$("preset").value = preset ? preset.backend : "";
	} catch (e) {
		out.textContent = e.message;
		out.className = "check bad";
	}
	sessionStorage.setItem(STORE.details, $("details").value);
	showExample(preset);
	forgetConnection();
}

// A connection result is about the key and details it was made with.
function forgetConnection() {
	$("conn-result").textContent = "";
	$("conn-result").className = "";
}

// The store's example stream, when its preset row has one.
function showExample(preset) {
	const b = $("example");
	const ex = preset && preset.example;
	show(b, Boolean(ex));
	if (!ex) return;
	b.textContent = `Example: ${ex.map(([k, v]) => `${k} = ${v}`).join(", ")}`;
	b.onclick = () => {
		for (const [k, v] of ex) state.conds = setCondition(state.conds, makeCondition(k, "StringValue", v));
		renderChips();
	};
}

function range() {
	return windowRange($("window").value, Date.now(), $("win-start").value, $("win-end").value);
}

function bucketMs() {
	const id = $("bucket").value;
	if (id !== "custom") return BUCKETS.find((b) => b.id === id).ms;
	const s = Number($("bucket-custom").value);
	if (!(s > 0)) throw new Error("the bucket size must be a positive number of seconds");
	return Math.round(s * 1000);
}

function limit() {
	const n = Number($("limit").value);
	if (!Number.isInteger(n) || n < 1 || n > 2147483647) throw new Error("limit must be a whole number from 1 to 2147483647");
	return n;
}

// Runs `build` (which may throw on bad input) and returns its result, or
// shows the message beside `where` and returns null.
function checked(where, build) {
	const out = $(where);
	try {
		const v = build();
		out.textContent = "";
		return v;
	} catch (e) {
		out.textContent = e.message;
		out.className = "check bad";
		return null;
	}
}

// --- the exchange panel and errors ----------------------------------------------------

function pretty(v) {
	const s = prettyJson(v);
	return s.length > MAX_SHOWN_JSON ? `${s.slice(0, MAX_SHOWN_JSON)}\n… (${s.length} characters; Copy takes all)` : s;
}

function shownExchange(ex) {
	const hidden = hiddenKeys();
	const request = maskRequest(ex.request, hidden);
	const answer = ex.json === null ? null : maskAnswer(ex.json, ex.request, hidden);
	return { request, answer, masked: JSON.stringify(request) !== JSON.stringify(ex.request) || answer !== ex.json };
}

function record(ex) {
	state.lastExchange = ex;
	renderExchange();
}

function renderExchange() {
	const ex = state.lastExchange;
	if (!ex) return;
	const shown = shownExchange(ex);
	const status = ex.status ? `HTTP ${ex.status}` : "no answer";
	$("ex-meta").textContent = `POST ${ex.url} → ${status} in ${ex.ms} ms` + (shown.masked ? " (classified values masked)" : "");
	$("ex-request").textContent = pretty(shown.request);
	$("ex-answer").textContent = shown.answer === null ? ex.text || ex.failure : pretty(shown.answer);
	$("ex-curl").textContent = curlLine(ex.url, shown.request);
	const keyNote = $("ex-key");
	if (ex.status === 200 && ex.echoedKey !== apiKey()) {
		keyNote.textContent = "The X-MIRROR-API-KEY sent back differs from the key typed: StackState would refuse this answer.";
		keyNote.className = "check bad";
	} else if (ex.status === 200) {
		keyNote.textContent = "X-MIRROR-API-KEY sent back: matches the key typed.";
		keyNote.className = "check ok";
	} else {
		keyNote.textContent = "";
	}
}

// The full (unmasked when revealed) text behind a Copy button.
function copyText(which) {
	const ex = state.lastExchange;
	if (!ex) return "";
	const shown = shownExchange(ex);
	if (which === "ex-request") return prettyJson(shown.request);
	if (which === "ex-answer") return shown.answer === null ? ex.text : prettyJson(shown.answer);
	return curlLine(ex.url, shown.request);
}

async function copy(which) {
	const note = $("copy-note");
	const text = copyText(which);
	try {
		await navigator.clipboard.writeText(text);
		note.textContent = `Copied ${text.length} characters.`;
		note.className = "check ok";
	} catch (e) {
		note.textContent = `Could not copy (${e.message}); select the text instead.`;
		note.className = "check bad";
	}
}

function problemNodes(ex) {
	const p = problem(ex);
	return [
		h("p", { class: "err-head" }, h("strong", {}, p.type), ` · HTTP ${p.status || "none"} · POST ${ex.url}`),
		...p.lines.map((l) => h("p", { class: "err-line" }, l)),
	];
}

function showError(ex) {
	const box = $("error");
	box.replaceChildren(...problemNodes(ex));
	show(box, true);
}

function showMessage(text) {
	const box = $("error");
	box.replaceChildren(h("p", { class: "err-line" }, text));
	show(box, true);
}

function clearError() {
	show($("error"), false);
	$("error").replaceChildren();
}

async function run(method, body) {
	const ex = await call(state.base, method, apiKey(), body);
	record(ex);
	return ex;
}

// --- 1. data source ------------------------------------------------------------------

async function testConnection() {
	const out = $("conn-result");
	const details = checked("details-check", readDetails);
	if (!details) return;
	out.textContent = "testing…";
	out.className = "";
	const ex = await run("connection", connectionBody(details));
	if (answered(ex) && ex.json.status === "OK") {
		out.textContent = "OK";
		out.className = "ok";
		clearError();
	} else if (answered(ex)) {
		const err = ex.json.error || {};
		out.textContent = `FAILURE: ${err._type || "(no error._type)"}: ${err.details || ""}`;
		out.className = "bad";
	} else {
		const p = problem(ex);
		out.textContent = `${p.type} (HTTP ${p.status || "none"}): ${p.lines.join("; ")}`;
		out.className = "bad";
		showError(ex);
	}
}

// --- 2. fields and values ---------------------------------------------------------------

async function loadFields() {
	const details = checked("details-check", readDetails);
	const r = details && checked("window-check", range);
	if (!r) return;
	const ex = await run("names", fieldNamesBody(details, state.conds, r[0], r[1]));
	if (!answered(ex) || !Array.isArray(ex.json.fields)) {
		$("fields-note").textContent = "No field names: see the error under the chart.";
		showError(ex);
		return;
	}
	clearError();
	state.fields = ex.json.fields.filter((f) => f && typeof f.fieldName === "string");
	$("fields-note").textContent = `${state.fields.length} field${state.fields.length === 1 ? "" : "s"}` + (ex.json.isPartial ? " (isPartial: the list was cut short)" : "");
	$("fields-note").className = "check";
	renderFields();
	renderMetricFields();
	renderChips();
}

function renderFields() {
	$("fields").replaceChildren(...state.fields.map((f) => h("li", {},
		h("button", {
			type: "button", class: "field", "data-field": f.fieldName,
			"aria-pressed": state.field?.fieldName === f.fieldName ? "true" : "false",
			onclick: act(() => openField(f, [])),
		},
		h("span", { class: "fname" }, f.fieldName),
		h("span", { class: `badge t-${String(f.fieldType).toLowerCase()}` }, String(f.fieldType)),
		f.classified ? h("span", { class: "badge classified", title: "values are not shown until revealed" }, "classified") : null))));
}

function renderMetricFields() {
	const keep = $("metric-field").value;
	const numbers = state.fields.filter((f) => f.fieldType === "NUMBER").map((f) => [f.fieldName, f.fieldName]);
	options($("metric-field"), [["", "(not sent: the store's value)"], ...numbers], keep);
}

async function openField(field, crumbs) {
	const details = checked("details-check", readDetails);
	const r = details && checked("window-check", range);
	if (!r) return;
	const prefix = crumbs.length ? crumbs[crumbs.length - 1] : undefined;
	const ex = await run("values", fieldValuesBody(details, field, state.conds, r[0], r[1], prefix));
	state.field = field;
	state.crumbs = crumbs;
	show($("values-box"), true);
	if (!answered(ex) || !Array.isArray(ex.json.values)) {
		state.values = [];
		renderValues();
		$("values-note").textContent = "No values: see the error under the chart.";
		showError(ex);
		return;
	}
	clearError();
	state.values = ex.json.values.filter((v) => v && "value" in v);
	state.valuesPartial = ex.json.isPartial === true;
	renderFields();
	renderValues();
	const first = $("values").querySelector("button");
	if (first) first.focus();
}

function renderCrumbs() {
	const f = state.field;
	const masked = hiddenKeys().has(f.fieldName);
	const items = [h("li", {}, h("button", { type: "button", class: "crumb", onclick: act(() => openField(f, [])) }, "all values"))];
	state.crumbs.forEach((c, i) => {
		const last = i === state.crumbs.length - 1;
		items.push(h("li", {}, last
			? h("span", { class: "crumb here", "aria-current": "location" }, masked ? MASK : c)
			: h("button", { type: "button", class: "crumb", onclick: act(() => openField(f, state.crumbs.slice(0, i + 1))) }, masked ? MASK : c)));
	});
	$("crumbs").replaceChildren(...items);
}

function valueItem(v, masked) {
	const f = state.field;
	const text = masked ? MASK : String(v.value);
	if (v._type === "FieldValuePattern") {
		return h("li", { class: "pattern" }, h("button", {
			type: "button", class: "value", "data-pattern": "1",
			"aria-label": masked ? "open a classified group" : `open group ${v.value}`,
			onclick: act(() => openField(f, [...state.crumbs, String(v.value)])),
		}, text, h("span", { class: "more", "aria-hidden": "true" }, " ›")));
	}
	const type = TYPE_FOR_FIELD[f.fieldType] || "StringValue";
	const items = [h("button", {
		type: "button", class: "value",
		"aria-label": masked ? `set ${f.fieldName} to a classified value` : `set ${f.fieldName} = ${v.value}`,
		onclick: () => addCondition(makeCondition(f.fieldName, type, String(v.value))),
	}, text)];
	if (type === "StringValue") {
		items.push(h("button", {
			type: "button", class: "toset", title: "add to a set (InSetValue)",
			"aria-label": masked ? `add a classified value to the ${f.fieldName} set` : `add ${v.value} to the ${f.fieldName} set`,
			onclick: () => { state.conds = addToSet(state.conds, f.fieldName, v.value); renderChips(); },
		}, "+ set"));
	}
	return h("li", {}, ...items);
}

function renderValues() {
	const f = state.field;
	if (!f) return;
	const masked = hiddenKeys().has(f.fieldName);
	$("values-field").textContent = f.fieldName;
	renderCrumbs();
	const reveal = $("reveal");
	show(reveal, f.classified === true);
	reveal.setAttribute("aria-pressed", state.revealed.has(f.fieldName) ? "true" : "false");
	reveal.textContent = state.revealed.has(f.fieldName) ? "Hide classified values" : "Reveal classified values";
	const shown = state.values.slice(0, MAX_SHOWN_VALUES);
	$("values").replaceChildren(...shown.map((v) => valueItem(v, masked)));
	let note = `${state.values.length} value${state.values.length === 1 ? "" : "s"}`;
	if (state.values.length > shown.length) note += `, the first ${shown.length} shown`;
	if (state.valuesPartial) note += " (isPartial: the list was cut short)";
	if (masked) note += "; classified: masked until revealed";
	$("values-note").textContent = note;
	$("values-note").className = "check";
}

function toggleReveal() {
	const name = state.field?.fieldName;
	if (!name) return;
	if (state.revealed.has(name)) state.revealed.delete(name);
	else state.revealed.add(name);
	renderValues();
	renderChips();
	renderExchange();
	if (state.stream) $("chart-title").textContent = chartTitle(state.stream.body);
}

// --- conditions ------------------------------------------------------------------------

function addCondition(c) {
	state.conds = setCondition(state.conds, c);
	renderChips();
}

function renderChips() {
	const hidden = hiddenKeys();
	const chips = state.conds.map((c, i) => {
		const text = conditionText(c, hidden.has(c.key));
		return h("li", { class: "chip", "data-key": c.key },
			h("span", { class: "chip-type" }, c.value._type.replace("Value", "")),
			h("span", { class: "chip-text" }, text),
			h("button", {
				type: "button", class: "chip-x", "aria-label": `remove condition ${hidden.has(c.key) ? c.key : text}`,
				onclick: () => removeChip(i),
			}, "×"));
	});
	$("chips").replaceChildren(...chips);
	if (chips.length === 0) $("chips").append(h("li", { class: "none" }, "none: every series (the mirror may refuse an ambiguous query)"));
}

function removeChip(i) {
	state.conds = removeCondition(state.conds, i);
	renderChips();
	const rest = $("chips").querySelectorAll(".chip-x");
	(rest[Math.min(i, rest.length - 1)] || $("cond-key")).focus();
}

function addTypedCondition() {
	const c = checked("cond-check", () => makeCondition($("cond-key").value, $("cond-type").value, $("cond-value").value));
	if (!c) return;
	addCondition(c);
	$("cond-value").value = "";
}

// --- 3. the stream -----------------------------------------------------------------------

function streamLabel(body) {
	const agg = body.query.aggregation;
	const what = body.query.metricField || "value";
	return agg ? `${agg.method} of ${what}` : what;
}

async function draw() {
	const details = checked("details-check", readDetails);
	const r = details && checked("window-check", range);
	if (!r) return;
	const method = $("method").value;
	let opts;
	try {
		opts = { limit: limit(), method, bucketMs: method ? bucketMs() : 0, metricField: $("metric-field").value };
	} catch (e) {
		showMessage(e.message);
		return;
	}
	const body = metricBody(details, state.conds, r[0], r[1], opts);
	const ex = await run("metric", body);
	state.stream = null;
	if (!takeTelemetry(ex, body, [])) return;
}

// Accepts a metric answer (a first page or a later one); false on error.
function takeTelemetry(ex, body, before) {
	const t = answered(ex) ? ex.json.telemetry : null;
	if (!t || !Array.isArray(t.points)) {
		if (!state.stream) {
			chart.show([], false, "");
			showChart(false);
			$("chart-title").textContent = "";
			setStatus("No chart: the mirror answered with an error.");
			show($("partial"), false);
		}
		showError(ex);
		return false;
	}
	clearError();
	const aggregated = t._type === "AggregatedMetricTelemetry";
	const points = mergePage(before, t.points);
	const first = state.stream ? state.stream.body : body;
	state.stream = {
		body: first, lastBody: body, points, aggregated, label: streamLabel(first),
		partial: t.isPartial === true, pages: (state.stream?.pages || 0) + 1, type: t._type,
	};
	renderStream();
	return true;
}

// What is drawn: the series and its conditions (classified ones masked).
function chartTitle(body) {
	const hidden = hiddenKeys();
	const conds = body.query.conditions.map((c) => conditionText(c, hidden.has(c.key)));
	return `${streamLabel(body)}${conds.length ? ` where ${conds.join(", ")}` : " (no conditions)"}`;
}

// The chart and its zoom buttons, only while there is a chart.
function showChart(on) {
	show($("chart"), on);
	show($("zoom"), on);
	for (const id of ["zoom-in", "zoom-out", "zoom-reset"]) $(id).disabled = !on;
}

function setStatus(text) {
	$("chart-status").textContent = text;
}

function renderStream() {
	const s = state.stream;
	// dygraphs measures its div: show it before drawing
	showChart(s.points.length > 0);
	const drawn = chart.show(s.points, s.aggregated, s.label);
	if (!drawn) showChart(false);
	$("chart-title").textContent = chartTitle(s.body);
	const q = s.body.query;
	const span = `${new Date(q.startTime).toISOString()} – ${new Date(q.endTime).toISOString()}`;
	let text = `${s.type}: ${s.points.length} ${s.aggregated ? "buckets" : "points"}, ${span} (UTC)`;
	if (s.aggregated) {
		const bucket = q.aggregation.bucketSizeMillis;
		const empty = emptyBuckets(s.points, bucket);
		text += `; ${q.aggregation.method} per ${durationText(bucket)}; ${empty} empty bucket${empty === 1 ? "" : "s"} between them (gaps)`;
	}
	text += s.pages > 1 ? `; ${s.pages} requests` : "";
	text += `; isPartial: ${s.partial}`;
	if (!drawn) text += ". Nothing to draw in this window.";
	setStatus(text);
	show($("partial"), s.partial);
	if (s.partial) {
		$("partial-text").textContent =
			`isPartial: true. The answer was cut short (by limit or a cap of the mirror); ` +
			`StackState asks again from the last timestamp it got, ${lastTimestamp(s.points)}.`;
	}
}

function emptyBuckets(points, bucket) {
	let n = 0;
	for (let i = 1; i < points.length; i++) n += Math.max(0, Math.round((points[i][1] - points[i - 1][2]) / bucket));
	return n;
}

async function loadMore() {
	const s = state.stream;
	if (!s || !s.partial) return;
	const body = nextPageBody(s.body, lastTimestamp(s.points));
	const ex = await run("metric", body);
	takeTelemetry(ex, body, s.points);
}

// --- start -------------------------------------------------------------------------------

function fillChoices() {
	options($("preset"), [["", "(another store)"], ...PRESETS.map((p) => [p.backend, p.label])], "sample");
	options($("window"), WINDOWS.map((w) => [w.id, w.label]), "1h");
	options($("method"), [["", "raw points (no aggregation)"], ...METHODS.map((m) => [m, m])], "");
	options($("bucket"), BUCKETS.map((b) => [b.id, b.label]), "1m");
	options($("cond-type"), VALUE_TYPES.map((v) => [v.type, v.type]), "StringValue");
	renderMetricFields();
	$("limit").value = String(METRIC_LIMIT);
}

function onMethod() {
	const raw = $("method").value === "";
	$("bucket").disabled = raw;
	const custom = !raw && $("bucket").value === "custom";
	show($("bucket-custom"), custom);
	show($("bucket-custom-label"), custom);
}

// Runs an action (which may call the mirror) with the page marked busy;
// body[data-actions] counts the finished ones (tests/console waits on it).
// One at a time: a second click while a call is out is ignored, so that
// answers cannot arrive out of order.
let actions = 0;
let busy = false;
function act(fn) {
	return async () => {
		if (busy) return;
		busy = true;
		document.body.setAttribute("aria-busy", "true");
		try {
			await fn();
		} finally {
			busy = false;
			document.body.removeAttribute("aria-busy");
			actions += 1;
			document.body.dataset.actions = String(actions);
		}
	};
}

function bind() {
	$("key").addEventListener("input", () => {
		sessionStorage.setItem(STORE.key, apiKey());
		forgetConnection();
	});
	$("key-show").addEventListener("click", () => {
		const on = $("key").type === "password";
		$("key").type = on ? "text" : "password";
		$("key-show").setAttribute("aria-pressed", String(on));
		$("key-show").textContent = on ? "Hide" : "Show";
	});
	$("preset").addEventListener("change", () => {
		const p = PRESETS.find((x) => x.backend === $("preset").value);
		if (p) $("details").value = JSON.stringify(p.details, null, 2);
		checkDetails();
	});
	$("details").addEventListener("input", checkDetails);
	$("test-conn").addEventListener("click", act(testConnection));
	$("window").addEventListener("change", () => show($("custom-window"), $("window").value === "custom"));
	$("load-fields").addEventListener("click", act(loadFields));
	$("reveal").addEventListener("click", toggleReveal);
	$("cond-add").addEventListener("click", addTypedCondition);
	$("cond-value").addEventListener("keydown", (e) => { if (e.key === "Enter") addTypedCondition(); });
	$("method").addEventListener("change", onMethod);
	$("bucket").addEventListener("change", onMethod);
	$("draw").addEventListener("click", act(draw));
	$("load-more").addEventListener("click", act(loadMore));
	$("zoom-in").addEventListener("click", () => chart.zoom(0.5));
	$("zoom-out").addEventListener("click", () => chart.zoom(2));
	$("zoom-reset").addEventListener("click", () => chart.reset());
	for (const b of document.querySelectorAll("button.copy")) b.addEventListener("click", () => copy(b.dataset.copy));
	let pending = 0;
	window.addEventListener("resize", () => {
		cancelAnimationFrame(pending);
		pending = requestAnimationFrame(() => chart.resize());
	});
}

function start() {
	$("base-url").textContent = state.base;
	chart = new Chart($("chart"), $("readout"));
	fillChoices();
	$("key").value = sessionStorage.getItem(STORE.key) || "";
	$("details").value = sessionStorage.getItem(STORE.details) || JSON.stringify(PRESETS[0].details, null, 2);
	checkDetails();
	onMethod();
	renderChips();
	bind();
	if (!window.Dygraph) showMessage("The chart library is missing: install Debian's libjs-dygraphs on the web server (docs/CONSOLE.md).");
	// For the browser's developer tools (and tests/console): the chart
	// (its dygraph) and the stream it shows.
	window.mirrorConsole = Object.freeze({
		get graph() { return chart.graph; },
		get stream() { return state.stream; },
	});
	document.body.dataset.ready = "1";
}

start();
