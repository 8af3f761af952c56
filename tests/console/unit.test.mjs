// Unit tests of the console's modules that have no DOM (console/js/
// model.js, series.js, mask.js, api.js, presets.js), in Node:
//   node --experimental-detect-module --test tests/console/unit.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";

import { baseFor, curlLine, prettyJson, problem, shellQuote } from "../../console/js/api.js";
import { maskAnswer, maskRequest } from "../../console/js/mask.js";
import {
	BUCKETS, FIELD_LIMIT, MASK, METHODS, WINDOWS, addToSet, condition, conditionText,
	durationText, fieldNamesBody, fieldValuesBody, makeCondition, metricBody, nextPageBody,
	parseTime, removeCondition, setCondition, windowRange,
} from "../../console/js/model.js";
import { PRESETS, presetFor } from "../../console/js/presets.js";
import { bucketRows, lastTimestamp, mergePage, pointAt, rawRows } from "../../console/js/series.js";

const ms = (rows) => rows.map(([d, v]) => [d === null ? null : d.getTime(), v]);

test("the fourteen aggregation methods of MIRROR-API.md", () => {
	assert.deepEqual(METHODS, [
		"MEAN", "PERCENTILE_25", "PERCENTILE_50", "PERCENTILE_75", "PERCENTILE_90",
		"PERCENTILE_95", "PERCENTILE_98", "PERCENTILE_99", "MAX", "MIN", "SUM",
		"EVENT_COUNT", "SUM_NO_ZEROS", "EVENT_COUNT_NO_ZEROS",
	]);
});

test("time windows: the issue's presets and custom", () => {
	assert.deepEqual(WINDOWS.map((w) => w.id), ["15m", "1h", "6h", "1d", "7d", "30d", "custom"]);
	assert.deepEqual(windowRange("15m", 1000000000, "", ""), [1000000000 - 900000, 1000000000]);
	assert.deepEqual(windowRange("30d", 5e12, "", ""), [5e12 - 2592000000, 5e12]);
	assert.deepEqual(windowRange("custom", 0, "2024-01-01T00:00:00Z", "1704070800000"), [1704067200000, 1704070800000]);
	assert.deepEqual(windowRange("custom", 0, "2024-01-01T01:00:00+01:00", "2024-01-01T00:30:00.5Z"),
		[1704067200000, 1704069000500]);
});

const badTimes = [
	["2024-01-01T00:00:00", /with a zone/],
	["2024-01-01", /with a zone/],
	["yesterday", /with a zone/],
	["-5", /with a zone/],
	["1e12", /with a zone/],
	["2024-13-45T99:00:00Z", /not a valid time/],
	["", /with a zone/],
];
for (const [text, re] of badTimes) {
	test(`parseTime refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseTime(text), re));
}

test("a custom window must end after it starts", () => {
	assert.throws(() => windowRange("custom", 0, "2000", "2000"), /must be after its start/);
	assert.throws(() => windowRange("custom", 0, "3000", "2000"), /must be after its start/);
	assert.throws(() => windowRange("2h", 0, "", ""), /unknown window/);
});

test("conditions of every value type", () => {
	assert.deepEqual(makeCondition(" host ", "StringValue", "web-1"),
		{ key: "host", value: { value: "web-1", _type: "StringValue" }, _type: "EqualityCondition" });
	assert.deepEqual(makeCondition("cpu_cores", "DoubleValue", " 2.5 ").value, { value: 2.5, _type: "DoubleValue" });
	assert.deepEqual(makeCondition("cpu_cores", "DoubleValue", "-1e3").value, { value: -1000, _type: "DoubleValue" });
	assert.deepEqual(makeCondition("canary", "BooleanValue", "TRUE").value, { value: true, _type: "BooleanValue" });
	assert.deepEqual(makeCondition("canary", "BooleanValue", "false").value, { value: false, _type: "BooleanValue" });
	assert.deepEqual(makeCondition("host", "InSetValue", "web-1, web-2,,web-1").value,
		{ value: ["web-1", "web-2"], _type: "InSetValue" });
});

const badConditions = [
	["", "StringValue", "x", /needs a key/],
	["  ", "StringValue", "x", /needs a key/],
	["n", "DoubleValue", "", /not a number/],
	["n", "DoubleValue", "1,5", /not a number/],
	["n", "DoubleValue", "NaN", /not a number/],
	["n", "DoubleValue", "Infinity", /not a number/],
	["n", "DoubleValue", "0x10", /not a number/],
	["b", "BooleanValue", "yes", /not true or false/],
	["b", "BooleanValue", "1", /not true or false/],
	["s", "InSetValue", " , ,", /at least one value/],
	["s", "RegexValue", "x", /unknown value type/],
];
for (const [key, type, text, re] of badConditions) {
	test(`makeCondition refuses ${type} ${JSON.stringify(text)} on ${JSON.stringify(key)}`, () =>
		assert.throws(() => makeCondition(key, type, text), re));
}

test("one condition per key; sets grow from a string value", () => {
	let c = setCondition([], condition("host", "StringValue", "web-1"));
	c = setCondition(c, condition("metric", "StringValue", "cpu.user"));
	c = setCondition(c, condition("host", "StringValue", "web-2"));
	assert.deepEqual(c.map((x) => [x.key, x.value.value]), [["metric", "cpu.user"], ["host", "web-2"]]);
	c = addToSet(c, "host", "web-3");
	assert.deepEqual(c[1].value, { value: ["web-2", "web-3"], _type: "InSetValue" });
	c = addToSet(c, "host", "web-3");
	assert.deepEqual(c[1].value.value, ["web-2", "web-3"]);
	c = addToSet(c, "region", "eu");
	assert.deepEqual(c[2].value, { value: ["eu"], _type: "InSetValue" });
	assert.deepEqual(removeCondition(c, 0).map((x) => x.key), ["host", "region"]);
	assert.equal(conditionText(c[1], false), "host ∈ {web-2, web-3}");
	assert.equal(conditionText(c[1], true), `host = ${MASK}`);
	assert.equal(conditionText(condition("canary", "BooleanValue", false), false), "canary = false");
});

test("request bodies are StackState's", () => {
	const conds = [condition("metric", "StringValue", "cpu.user"), condition("host", "StringValue", "web-1")];
	assert.deepEqual(fieldNamesBody({}, conds, 1, 2), {
		_type: "FieldNamesRequest", connectionDetails: {},
		query: { conditions: conds, startTime: 1, endTime: 2, limit: FIELD_LIMIT, latestFirst: false, _type: "FieldNamesQuery" },
	});
	const field = { _type: "FieldDescriptor", classified: false, fieldName: "host", fieldType: "STRING" };
	assert.deepEqual(fieldValuesBody({ backend: "sample" }, field, conds, 1, 2, "cpu.*"), {
		_type: "FieldValuesRequest", connectionDetails: { backend: "sample" },
		query: {
			conditions: [conds[0]], startTime: 1, endTime: 2, field, limit: FIELD_LIMIT, offset: 0,
			latestFirst: false, _type: "FieldValuesQuery", fieldValuePrefix: "cpu.*",
		},
	});
	assert.equal("fieldValuePrefix" in fieldValuesBody({}, field, [], 1, 2, undefined).query, false);
	assert.deepEqual(metricBody({}, conds, 1, 2, { limit: 100500, method: "", bucketMs: 0, metricField: "" }), {
		_type: "MetricsRequest", connectionDetails: {},
		query: { conditions: conds, startTime: 1, endTime: 2, limit: 100500, latestFirst: false, _type: "MetricsQuery" },
	});
	const agg = metricBody({}, conds, 1, 2, { limit: 7, method: "PERCENTILE_95", bucketMs: 60000, metricField: "cpu_cores" });
	assert.deepEqual(agg.query.aggregation, { method: "PERCENTILE_95", bucketSizeMillis: 60000, _type: "Aggregation" });
	assert.equal(agg.query.metricField, "cpu_cores");
	const next = nextPageBody(agg, 1.5);
	assert.equal(next.query.startTime, 1.5);
	assert.equal(agg.query.startTime, 1);
});

test("durations for people", () => {
	assert.deepEqual(BUCKETS.filter((b) => b.ms).map((b) => durationText(b.ms)), ["10 s", "1 min", "5 min", "15 min", "1 h", "1 d"]);
	assert.equal(durationText(1500), "1500 ms");
	assert.equal(durationText(90000), "90 s");
});

test("raw rows: one per point, a null row across a stretch without data", () => {
	const pts = [[1, 0], [2, 10], [3, 20], [4, 30], [5, 100], [6, 110]];
	assert.deepEqual(ms(rawRows(pts)), [[0, 1], [10, 2], [20, 3], [30, 4], [40, null], [100, 5], [110, 6]]);
	assert.deepEqual(ms(rawRows([[7, 5]])), [[5, 7]]);
	assert.deepEqual(ms(rawRows([[7, 5], [8, 500]])), [[5, 7], [500, 8]]);
	assert.deepEqual(rawRows([]), []);
});

test("bucket rows: steps over [start, end), gaps for missing buckets", () => {
	const pts = [[1, 0, 60], [2, 60, 120], [4, 180, 240]];
	assert.deepEqual(ms(bucketRows(pts)), [[0, 1], [60, 2], [120, null], [180, 4], [240, null]]);
	assert.deepEqual(ms(bucketRows([[0, 0, 60]])), [[0, 0], [60, null]]);
});

test("paging from the last timestamp drops what is already there", () => {
	assert.equal(lastTimestamp([]), null);
	assert.deepEqual(mergePage([], [[1, 10]]), [[1, 10]]);
	assert.deepEqual(mergePage([[1, 10], [2, 20]], [[2, 20], [3, 30]]), [[1, 10], [2, 20], [3, 30]]);
	assert.deepEqual(mergePage([[1, 0, 60]], [[1, 0, 60], [2, 60, 120]]), [[1, 0, 60], [2, 60, 120]]);
	assert.deepEqual(pointAt([[1, 10], [2, 20], [3, 30]], 20), [2, 20]);
	assert.equal(pointAt([[1, 10], [2, 20]], 15), null);
});

test("classified values are masked in the request and answer shown", () => {
	const body = fieldValuesBody({}, { fieldName: "owner" }, [condition("owner", "InSetValue", ["a", "b"]), condition("host", "StringValue", "h")], 1, 2, "team-");
	body.query.conditions = [condition("owner", "InSetValue", ["a", "b"]), condition("host", "StringValue", "h")];
	const hidden = new Set(["owner"]);
	const m = maskRequest(body, hidden);
	assert.deepEqual(m.query.conditions.map((c) => c.value.value), [[MASK, MASK], "h"]);
	assert.equal(m.query.fieldValuePrefix, MASK);
	assert.deepEqual(body.query.conditions[0].value.value, ["a", "b"]);
	const answer = { _type: "FieldValuesResponse", values: [{ value: "team-data", _type: "CompleteValue" }], isPartial: false };
	assert.deepEqual(maskAnswer(answer, body, hidden).values, [{ value: MASK, _type: "CompleteValue" }]);
	assert.equal(maskAnswer(answer, body, new Set()), answer);
	assert.equal(answer.values[0].value, "team-data");
});

test("the mirror's base URL keeps the page's prefix", () => {
	assert.equal(baseFor("https://m:7007", "/console/"), "https://m:7007");
	assert.equal(baseFor("https://m:7007", "/console/index.html"), "https://m:7007");
	assert.equal(baseFor("https://m", "/stackstate/console/"), "https://m/stackstate");
	assert.equal(baseFor("https://m", "/a/b/console/index.html"), "https://m/a/b");
});

test("errors show their _type, status and fields", () => {
	const nf = { _type: "MetricNotFoundError", metric: "metric=x", details: "no series" };
	assert.deepEqual(problem({ status: 500, json: nf, text: "", failure: "" }),
		{ status: 500, type: "MetricNotFoundError", lines: ["details: no series", "metric: metric=x"] });
	assert.deepEqual(problem({ status: 502, json: null, text: "<html>", failure: "" }),
		{ status: 502, type: "not JSON", lines: ["<html>"] });
	assert.deepEqual(problem({ status: 0, json: null, text: "", failure: "the request failed: x" }),
		{ status: 0, type: "network", lines: ["the request failed: x"] });
	assert.deepEqual(problem({ status: 400, json: { _type: "UnsupportedFieldTypeError", mirrorType: "BOOLEAN" }, text: "", failure: "" }).lines,
		["mirrorType: BOOLEAN"]);
});

test("the curl line quotes for the shell and leaves the key to it", () => {
	assert.equal(shellQuote("it's"), `'it'\\''s'`);
	assert.equal(curlLine("https://m/api/metric", { a: "'" }),
		`curl -sS -H "X-MIRROR-API-KEY: $MIRROR_API_KEY" -H 'Content-Type: application/json' -d '{"a":"'\\''"}' 'https://m/api/metric'`);
});

test("presets: a table with one row per store", () => {
	assert.deepEqual(PRESETS.map((p) => p.backend).slice(0, 2), ["sample", "prometheus"]);
	assert.equal(new Set(PRESETS.map((p) => p.backend)).size, PRESETS.length);
	for (const p of PRESETS) assert.equal(typeof p.details, "object");
	for (const p of PRESETS) assert.equal(presetFor(p.details), p);
	assert.equal(presetFor({}).backend, "sample");
	assert.equal(presetFor({ backend: "sample", nan_interpretation: "ZERO" }).backend, "sample");
	assert.equal(presetFor({ backend: "prometheus", url: "http://elsewhere:9090" }).backend, "prometheus");
	assert.equal(presetFor({ backend: "x" }), null);
});

test("JSON for people: points on one line each, and it parses back", () => {
	const v = { telemetry: { points: [[1.5, 10], [2, 20]], isPartial: false, dataFormat: ["value", "timestamp"] }, e: {}, a: [], s: "x\"y" };
	assert.equal(prettyJson(v), [
		"{", '  "telemetry": {', '    "points": [', "      [1.5, 10],", "      [2, 20]", "    ],",
		'    "isPartial": false,', '    "dataFormat": ["value", "timestamp"]', "  },", '  "e": {},', '  "a": [],', '  "s": "x\\"y"', "}",
	].join("\n"));
	assert.deepEqual(JSON.parse(prettyJson(v)), v);
});
