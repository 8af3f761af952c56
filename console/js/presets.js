// connectionDetails presets for the stores the mirror has: one row per
// store. `details` is what the editor is filled with; the operator edits
// it (the URL must be on the mirror's MIRROR_STORE_ALLOW, docs/PROMETHEUS.md).
// `example` (optional) is a stream to start from: [key, value] string
// conditions that select one series of that store. Adding a store is
// adding a row.
export const PRESETS = [
	{
		id: "sample", label: "Sample store (built in)", details: {},
		example: [["metric", "cpu.user"], ["host", "web-1"]],
	},
	{
		id: "prometheus",
		label: "Prometheus (or its API: VictoriaMetrics, Thanos, AMP)",
		details: { backend: "prometheus", url: "http://127.0.0.1:9090" },
	},
];

// The preset whose details equal `details` (same keys and values), or null.
export function presetFor(details) {
	const text = JSON.stringify(details);
	return PRESETS.find((p) => JSON.stringify(p.details) === text) || null;
}
