// Values of classified fields (FieldDescriptor.classified, MIRROR-API.md
// section 2) are not shown until the operator reveals them: not in the
// value list, the condition chips, nor the request and answer shown under
// the chart. No DOM here (tests/console loads it in Node).
import { MASK } from "./model.js";

// A copy of a request body with the values of conditions on `hidden`
// keys masked.
export function maskRequest(body, hidden) {
	const copy = structuredClone(body);
	const q = copy.query;
	if (q && Array.isArray(q.conditions)) {
		for (const c of q.conditions)
			if (hidden.has(c.key)) c.value.value = maskValue(c.value.value);
	}
	if (q && typeof q.fieldValuePrefix === "string" && q.field && hidden.has(q.field.fieldName))
		q.fieldValuePrefix = MASK;
	return copy;
}

function maskValue(v) {
	return Array.isArray(v) ? v.map(() => MASK) : MASK;
}

// A copy of an answer with the values of a FieldValuesResponse masked
// when it lists a hidden field's values.
export function maskAnswer(json, requestBody, hidden) {
	if (!json || json._type !== "FieldValuesResponse" || !Array.isArray(json.values)) return json;
	const field = requestBody?.query?.field?.fieldName;
	if (!hidden.has(field)) return json;
	const copy = structuredClone(json);
	for (const v of copy.values) if (v && typeof v === "object") v.value = MASK;
	return copy;
}
