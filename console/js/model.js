// The wizard's model: the tables of choices StackState offers (time
// windows, aggregation methods, bucket sizes, condition value types) and
// the pure functions that turn the operator's choices into the mirror's
// request bodies (docs/MIRROR-API.md). No DOM here, so tests/console can
// load this module in Node.

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

// StackState's limit for field queries (MIRROR-API.md, "Common query
// fields"); metric queries default to the value its sample requests use.
export const FIELD_LIMIT = 2147483647;
export const METRIC_LIMIT = 100500;

export const WINDOWS = [
	{ id: "15m", label: "Last 15 minutes", ms: 15 * MINUTE },
	{ id: "1h", label: "Last hour", ms: HOUR },
	{ id: "6h", label: "Last 6 hours", ms: 6 * HOUR },
	{ id: "1d", label: "Last day", ms: DAY },
	{ id: "7d", label: "Last 7 days", ms: 7 * DAY },
	{ id: "30d", label: "Last 30 days", ms: 30 * DAY },
	{ id: "custom", label: "Custom…", ms: 0 },
];

// The fourteen methods of MIRROR-API.md, in its order; "" is raw points.
export const METHODS = [
	"MEAN", "PERCENTILE_25", "PERCENTILE_50", "PERCENTILE_75", "PERCENTILE_90",
	"PERCENTILE_95", "PERCENTILE_98", "PERCENTILE_99", "MAX", "MIN", "SUM",
	"EVENT_COUNT", "SUM_NO_ZEROS", "EVENT_COUNT_NO_ZEROS",
];

export const BUCKETS = [
	{ id: "10s", label: "10 seconds", ms: 10000 },
	{ id: "1m", label: "1 minute", ms: MINUTE },
	{ id: "5m", label: "5 minutes", ms: 5 * MINUTE },
	{ id: "15m", label: "15 minutes", ms: 15 * MINUTE },
	{ id: "1h", label: "1 hour", ms: HOUR },
	{ id: "1d", label: "1 day", ms: DAY },
	{ id: "custom", label: "Custom…", ms: 0 },
];

// Value types of an EqualityCondition and how typed text becomes one.
export const VALUE_TYPES = [
	{ type: "StringValue", parse: (s) => s },
	{ type: "DoubleValue", parse: parseNumber },
	{ type: "BooleanValue", parse: parseBoolean },
	{ type: "InSetValue", parse: parseSet },
];

// The value type a field's values get when picked from its value list.
export const TYPE_FOR_FIELD = { STRING: "StringValue", NUMBER: "DoubleValue", BOOLEAN: "BooleanValue" };

function parseNumber(s) {
	const t = s.trim();
	if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) throw new Error(`"${s}" is not a number`);
	return Number(t);
}

function parseBoolean(s) {
	const t = s.trim().toLowerCase();
	if (t === "true") return true;
	if (t === "false") return false;
	throw new Error(`"${s}" is not true or false`);
}

function parseSet(s) {
	const items = s.split(",").map((x) => x.trim()).filter((x) => x !== "");
	if (items.length === 0) throw new Error("a set needs at least one value");
	return [...new Set(items)];
}

// A condition from a key, a value type and typed text; throws an Error
// whose message says what is wrong.
export function makeCondition(key, type, text) {
	const k = key.trim();
	if (k === "") throw new Error("a condition needs a key");
	const vt = VALUE_TYPES.find((v) => v.type === type);
	if (!vt) throw new Error(`unknown value type ${type}`);
	return condition(k, type, vt.parse(text));
}

export function condition(key, type, value) {
	return { key, value: { value, _type: type }, _type: "EqualityCondition" };
}

// Conditions with the one on `key` replaced by `cond` (or added).
export function setCondition(conds, cond) {
	return [...conds.filter((c) => c.key !== cond.key), cond];
}

// Adds `value` to an InSetValue on `key`, turning a StringValue on that
// key into a set holding both.
export function addToSet(conds, key, value) {
	const old = conds.find((c) => c.key === key);
	let values = [String(value)];
	if (old && old.value._type === "InSetValue") values = [...old.value.value, String(value)];
	else if (old && old.value._type === "StringValue") values = [old.value.value, String(value)];
	return setCondition(conds, condition(key, "InSetValue", [...new Set(values)]));
}

export function removeCondition(conds, index) {
	return conds.filter((_, i) => i !== index);
}

// "host = web-1", "canary = true", "host ∈ {web-1, web-2}"; `mask` hides
// the value (a classified field).
export function conditionText(c, mask) {
	const v = c.value;
	if (mask) return `${c.key} = ${MASK}`;
	if (v._type === "InSetValue") return `${c.key} ∈ {${v.value.join(", ")}}`;
	return `${c.key} = ${String(v.value)}`;
}

export const MASK = "••••••";

// Epoch ms from "2024-01-01T00:00:00Z", any Date.parse form with a zone,
// or digits; throws on anything else.
export function parseTime(text) {
	const t = text.trim();
	if (/^\d{1,15}$/.test(t)) return Number(t);
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(t))
		throw new Error(`"${text}" is not epoch ms or an ISO 8601 time with a zone (Z or +01:00)`);
	const ms = Date.parse(t);
	if (Number.isNaN(ms)) throw new Error(`"${text}" is not a valid time`);
	return ms;
}

// [startTime, endTime] of a window choice at `now`.
export function windowRange(id, now, customStart, customEnd) {
	if (id === "custom") {
		const start = parseTime(customStart);
		const end = parseTime(customEnd);
		if (end <= start) throw new Error("the end of the window must be after its start");
		return [start, end];
	}
	const w = WINDOWS.find((x) => x.id === id);
	if (!w) throw new Error(`unknown window ${id}`);
	return [now - w.ms, now];
}

// "5 min", "1 h", "90 s", "1500 ms": a duration for people.
export function durationText(ms) {
	const units = [[DAY, "d"], [HOUR, "h"], [MINUTE, "min"], [1000, "s"]];
	for (const [size, name] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name}`;
	return `${ms} ms`;
}

export function connectionBody(details) {
	return { _type: "TestConnectionRequest", connectionDetails: details };
}

export function fieldNamesBody(details, conds, start, end) {
	return {
		_type: "FieldNamesRequest",
		connectionDetails: details,
		query: {
			conditions: conds, startTime: start, endTime: end, limit: FIELD_LIMIT,
			latestFirst: false, _type: "FieldNamesQuery",
		},
	};
}

// The values of `field` (a FieldDescriptor as the mirror sent it), under
// the other conditions; `prefix` is a FieldValuePattern drilled into.
export function fieldValuesBody(details, field, conds, start, end, prefix) {
	const query = {
		conditions: conds.filter((c) => c.key !== field.fieldName),
		startTime: start, endTime: end, field, limit: FIELD_LIMIT, offset: 0,
		latestFirst: false, _type: "FieldValuesQuery",
	};
	if (prefix) query.fieldValuePrefix = prefix;
	return { _type: "FieldValuesRequest", connectionDetails: details, query };
}

// `method` "" asks for raw points; `metricField` "" leaves it out.
export function metricBody(details, conds, start, end, opts) {
	const query = {
		conditions: conds, startTime: start, endTime: end, limit: opts.limit,
		latestFirst: false, _type: "MetricsQuery",
	};
	if (opts.metricField) query.metricField = opts.metricField;
	if (opts.method) query.aggregation = { method: opts.method, bucketSizeMillis: opts.bucketMs, _type: "Aggregation" };
	return { _type: "MetricsRequest", connectionDetails: details, query };
}

// The request for the rest of a partial answer, as StackState asks
// (MIRROR-API.md, isPartial): the same query from the last timestamp it
// got (the last point's time; the last bucket's start).
export function nextPageBody(body, lastTimestamp) {
	const next = structuredClone(body);
	next.query.startTime = lastTimestamp;
	return next;
}
