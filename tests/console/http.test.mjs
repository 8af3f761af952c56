// What the shipped nginx configuration serves at /console/ (run by
// tests/console/run.sh, which starts the three stacks named below):
// types, headers, prefixes, the switch (off), the guards (guarded).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { test } from "node:test";

const E = process.env;
const TLS = E.CONSOLE_TLS_DIR;
const CA = readFileSync(join(TLS, "ca.pem"));
const KEY = E.CONSOLE_KEY;

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const ERR_404 = '{"_type":"RemoteMirrorError","summary":"unknown path","details":"the mirror answers POST /api/connection, /api/field/name, /api/field/value and /api/metric"}';
const ERR_401 = '{"_type":"RemoteMirrorError","summary":"missing or wrong API key","details":"X-MIRROR-API-KEY is missing or wrong"}';
const ERR_405 = '{"_type":"RemoteMirrorError","summary":"method not allowed","details":"the console is read with GET"}';
const ERR_CERT = '{"_type":"RemoteMirrorError","summary":"forbidden","details":"a valid TLS client certificate is required"}';

function get(base, path, opts = {}) {
	return new Promise((resolve, reject) => {
		const u = new URL(base + path);
		const req = https.request({
			host: u.hostname, port: u.port, path: u.pathname, method: opts.method || "GET", ca: CA,
			headers: opts.headers || {}, cert: opts.cert, key: opts.key, agent: false,
		}, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on("error", reject);
		req.end(opts.body);
	});
}

const FILES = [
	["/console/", "index.html", "text/html; charset=utf-8"],
	["/console/index.html", "index.html", "text/html; charset=utf-8"],
	["/console/console.css", "console.css", "text/css; charset=utf-8"],
	["/console/favicon.svg", "favicon.svg", "image/svg+xml"],
	["/console/js/main.js", "js/main.js", "text/javascript; charset=utf-8"],
	["/console/js/model.js", "js/model.js", "text/javascript; charset=utf-8"],
	["/stackstate/console/", "index.html", "text/html; charset=utf-8"],
	["/stackstate/console/js/chart.js", "js/chart.js", "text/javascript; charset=utf-8"],
];
for (const [path, file, type] of FILES) {
	test(`GET ${path}: the console's ${file}, without a key, with the console's headers`, async () => {
		const r = await get(E.CONSOLE_URL, path);
		assert.equal(r.status, 200);
		assert.equal(r.headers["content-type"], type);
		assert.deepEqual(r.body, readFileSync(join(E.CONSOLE_DIR, file)));
		assert.equal(r.headers["content-security-policy"], CSP);
		assert.equal(r.headers["x-content-type-options"], "nosniff");
		assert.equal(r.headers["referrer-policy"], "no-referrer");
		assert.equal(r.headers["strict-transport-security"], "max-age=63072000");
		assert.match(r.headers["x-request-id"], /^[0-9a-f]{32}$/);
		assert.equal(r.headers["x-mirror-api-key"], undefined, "a page for anyone carries no key");
	});
}

for (const name of ["dygraph.min.js", "dygraph.min.css"]) {
	test(`GET /console/lib/${name}: Debian's libjs-dygraphs file`, async () => {
		const r = await get(E.CONSOLE_URL, `/stackstate/console/lib/${name}`);
		assert.equal(r.status, 200);
		assert.equal(r.headers["content-type"], name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
		assert.deepEqual(r.body, readFileSync(`/usr/share/javascript/dygraphs/${name}`));
	});
}

for (const [path, to] of [["/console", "/console/"], ["/stackstate/console", "/stackstate/console/"]]) {
	test(`GET ${path} redirects to ${to}`, async () => {
		const r = await get(E.CONSOLE_URL, path);
		assert.equal(r.status, 301);
		assert.equal(r.headers.location, to);
	});
}

const UNKNOWN = ["/other/console/", "/stackstate/x/console/", "/console/nope.js", "/console/lib/dygraph.js",
	"/console/js/", "/consoles/"];
for (const path of UNKNOWN) {
	test(`GET ${path}: an unknown path (401 without a key, JSON 404 with one)`, async () => {
		const r = await get(E.CONSOLE_URL, path, { headers: { "X-MIRROR-API-KEY": KEY } });
		assert.equal(r.status, 404);
		assert.equal(r.body.toString(), ERR_404);
		assert.equal(r.headers["content-type"], "application/json");
		if (!path.startsWith("/console/")) {
			assert.equal(r.headers["content-security-policy"], undefined);
			const bare = await get(E.CONSOLE_URL, path);
			assert.equal(bare.status, 401);
			assert.equal(bare.body.toString(), ERR_401);
		}
	});
}

test("POST /console/index.html: JSON 405", async () => {
	const r = await get(E.CONSOLE_URL, "/console/index.html", { method: "POST", body: "{}" });
	assert.equal(r.status, 405);
	assert.equal(r.body.toString(), ERR_405);
});

test("the four paths still reach the responder, under a prefix ending in /console too", async () => {
	const body = '{"_type":"TestConnectionRequest","connectionDetails":{}}';
	const ok = await get(E.CONSOLE_URL, "/stackstate/api/connection", { method: "POST", body, headers: { "X-MIRROR-API-KEY": KEY } });
	assert.equal(ok.status, 200);
	assert.equal(ok.body.toString(), '{"status":"OK","_type":"TestConnectionResponse"}');
	assert.equal(ok.headers["content-security-policy"], undefined);
	// /console is not an accepted prefix: a JSON 404 from nginx, not a file
	const r = await get(E.CONSOLE_URL, "/console/api/connection", { method: "POST", body, headers: { "X-MIRROR-API-KEY": KEY } });
	assert.equal(r.status, 404);
	assert.equal(r.body.toString(), ERR_404);
});

for (const path of ["/console/", "/console/js/main.js", "/stackstate/console/", "/console"]) {
	test(`switched off: GET ${path} is an unknown path (401 without a key, 404 with one)`, async () => {
		const bare = await get(E.CONSOLE_OFF_URL, path);
		assert.equal(bare.status, 401);
		assert.equal(bare.body.toString(), ERR_401);
		const keyed = await get(E.CONSOLE_OFF_URL, path, { headers: { "X-MIRROR-API-KEY": KEY } });
		assert.equal(keyed.status, 404);
		assert.equal(keyed.body.toString(), ERR_404);
		assert.equal(keyed.headers["content-security-policy"], undefined);
	});
}

test("guarded: no client certificate, 403; with one, the page", async () => {
	const bare = await get(E.CONSOLE_GUARD_URL, "/console/");
	assert.equal(bare.status, 403);
	assert.equal(bare.body.toString(), ERR_CERT);
	const cert = readFileSync(join(TLS, "client.pem"));
	const key = readFileSync(join(TLS, "client.key"));
	const ok = await get(E.CONSOLE_GUARD_URL, "/console/", { cert, key });
	assert.equal(ok.status, 200);
	assert.deepEqual(ok.body, readFileSync(join(E.CONSOLE_DIR, "index.html")));
	assert.equal(ok.headers["content-security-policy"], CSP);
});
