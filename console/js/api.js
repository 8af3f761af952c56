// The mirror's four POST methods, called from the page exactly as
// StackState calls them (docs/MIRROR-API.md, "Transport"): JSON bodies,
// the key in X-MIRROR-API-KEY, under the same base URL (and prefix) the
// page was loaded from.

export const PATHS = {
	connection: "/api/connection",
	names: "/api/field/name",
	values: "/api/field/value",
	metric: "/api/metric",
};

// The response _type each method answers with when all went well.
export const ANSWER_TYPES = {
	connection: "TestConnectionResponse",
	names: "FieldNamesResponse",
	values: "FieldValuesResponse",
	metric: "MetricsResponse",
};

export const CALL_TIMEOUT_MS = 75000;

// The mirror's base URL for a page at `pathname` (…/console/…): the
// origin plus whatever prefix precedes /console/.
export function baseFor(origin, pathname) {
	const at = pathname.lastIndexOf("/console/");
	return origin + (at > 0 ? pathname.slice(0, at) : "");
}

// One call. Resolves (never rejects) to the exchange: what was sent, the
// HTTP status (0 when nothing came back), the answer's text and JSON
// (null when it is not JSON), the key the mirror sent back, the time taken.
export async function call(base, method, key, body) {
	const url = base + PATHS[method];
	const sent = performance.now();
	const ex = { method, url, request: body, status: 0, text: "", json: null, echoedKey: null, ms: 0, failure: "" };
	try {
		const r = await fetch(url, {
			method: "POST",
			headers: { "Content-Type": "application/json", "X-MIRROR-API-KEY": key },
			body: JSON.stringify(body),
			cache: "no-store",
			credentials: "same-origin",
			redirect: "error",
			// longer than the web server waits for the mirror (60 s)
			signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
		});
		ex.status = r.status;
		ex.echoedKey = r.headers.get("X-MIRROR-API-KEY");
		ex.text = await r.text();
		try {
			ex.json = JSON.parse(ex.text);
		} catch {
			ex.json = null;
		}
	} catch (e) {
		ex.failure = `the request failed: ${e.message}`;
	}
	ex.ms = Math.round(performance.now() - sent);
	return ex;
}

// True when the exchange is the answer the method promises (a failed
// connection test included: it is a TestConnectionResponse too).
export function answered(ex) {
	return ex.status === 200 && ex.json !== null && ex.json._type === ANSWER_TYPES[ex.method];
}

// What went wrong, for the error box: the status and every field of the
// mirror's typed error body (_type, summary, details, metric, mirrorType).
export function problem(ex) {
	if (ex.failure) return { status: 0, type: "network", lines: [ex.failure] };
	const j = ex.json;
	if (j === null || typeof j !== "object" || Array.isArray(j))
		return { status: ex.status, type: "not JSON", lines: [ex.text.slice(0, 500) || "(empty body)"] };
	const lines = [];
	for (const k of ["summary", "details", "metric", "mirrorType"])
		if (k in j) lines.push(`${k}: ${typeof j[k] === "string" ? j[k] : JSON.stringify(j[k])}`);
	if (j.error && typeof j.error === "object") {
		for (const k of Object.keys(j.error)) lines.push(`error.${k}: ${String(j.error[k])}`);
	}
	return { status: ex.status, type: String(j._type ?? "(no _type)"), lines };
}

// A shell word: single-quoted, with embedded quotes closed and escaped.
export function shellQuote(s) {
	return `'${s.replace(/'/g, `'\\''`)}'`;
}

// The same request with curl. The key is left to the shell
// ($MIRROR_API_KEY) so that it is never on the screen; add --cacert for a
// private CA.
export function curlLine(url, body) {
	return `curl -sS -H "X-MIRROR-API-KEY: $MIRROR_API_KEY" -H 'Content-Type: application/json' ` +
		`-d ${shellQuote(JSON.stringify(body))} ${shellQuote(url)}`;
}

// JSON for people: two-space indents, but an array of plain values (a
// point, a set) stays on one line, so 1440 points are 1440 lines.
export function prettyJson(v, indent = "") {
	const inner = `${indent}  `;
	if (Array.isArray(v)) {
		if (v.length === 0) return "[]";
		if (v.every((x) => x === null || typeof x !== "object")) return `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
		return `[\n${v.map((x) => inner + prettyJson(x, inner)).join(",\n")}\n${indent}]`;
	}
	if (v !== null && typeof v === "object") {
		const keys = Object.keys(v);
		if (keys.length === 0) return "{}";
		return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${prettyJson(v[k], inner)}`).join(",\n")}\n${indent}}`;
	}
	return JSON.stringify(v);
}
