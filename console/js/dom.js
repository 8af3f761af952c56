// Small DOM helpers. Text always goes in as text nodes (never as HTML):
// names and values come from the mirror and its store.

export const $ = (id) => document.getElementById(id);

// h("button", {type: "button", class: "x", onclick: f}, "text", child…)
export function h(tag, attrs, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
		else if (k === "class") e.className = v;
		else e.setAttribute(k, v === true ? "" : String(v));
	}
	for (const c of children) if (c !== null && c !== undefined) e.append(c);
	return e;
}

export function options(select, items, selected) {
	select.replaceChildren(...items.map(([value, label]) => h("option", { value, selected: value === selected }, label)));
}

export function show(e, on) {
	e.hidden = !on;
}
