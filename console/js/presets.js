// connectionDetails presets for the stores the mirror has: one row per
// store. `backend` is the store's connectionDetails.backend (and names the
// row); `details` fills the editor, for the operator to edit (a store URL
// must be on the mirror's MIRROR_STORE_ALLOW, docs/PROMETHEUS.md);
// `example` (optional) is a stream to start from: [key, value] string
// conditions that select one series of that store. Adding a store is
// adding a row, e.g.
//   { backend: "name", label: "What the operator sees", details: { backend: "name", url: "http://127.0.0.1:1234" } },
export const PRESETS = [
	{
		backend: "sample", label: "Sample store (built in)", details: {},
		example: [["metric", "cpu.user"], ["host", "web-1"]],
	},
	{
		backend: "prometheus",
		label: "Prometheus (or its API: VictoriaMetrics, Thanos, AMP)",
		details: { backend: "prometheus", url: "http://127.0.0.1:9090" },
	},
];

// The preset of the store `details` names (no backend: the sample store,
// the mirror's default unless MIRROR_BACKEND says otherwise), or null.
export function presetFor(details) {
	const backend = details.backend === undefined ? "sample" : details.backend;
	return PRESETS.find((p) => p.backend === backend) || null;
}
