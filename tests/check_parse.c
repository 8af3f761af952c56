/*
 * Request parsing (parse.c, parse_cond.c, json_in.c): every field of every
 * method, and every class of bad input, each row on its own.
 *
 * Bodies are written with ' standing for " so the JSON stays readable;
 * rows built with RAWROW() are sent byte for byte instead (single quotes,
 * NUL bytes). A good row expects a dump of the parsed query (see
 * dump_query), a bad one the exact err.details (or a prefix of it when
 * the text comes from json-c, whose wording is not ours).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json.h>

#include "agg.h"
#include "store/sample/sample.h"
#include "buf.h"
#include "conf.h"
#include "parse.h"
#include "query.h"
#include "suites.h"

#define NROWS(a) ((int)(sizeof (a) / sizeof (a)[0]))

#define M_CONN MIRROR_METHOD_CONNECTION
#define M_NAMES MIRROR_METHOD_FIELD_NAMES
#define M_VALUES MIRROR_METHOD_FIELD_VALUES
#define M_METRIC MIRROR_METHOD_METRIC

#define OK MIRROR_OK
#define BAD MIRROR_ERR_BAD_REQUEST

/*
 * A row: method, body, expected code, expected dump or details, then
 * optional designated members (.prefix, .claim, .lim). RAWROW's body is
 * sent byte for byte: no quote conversion, NULs kept.
 */
#define ROW(m, b, c, w, ...) \
	{.method = (m), .body = (b), .code = (c), .want = (w), __VA_ARGS__}
#define RAWROW(m, b, c, w, ...) \
	{.method = (m), .body = (b), .len = sizeof(b) - 1, .code = (c), \
	 .want = (w), __VA_ARGS__}

/* The envelopes of the four methods; q adds members after the fixed ones. */
#define REQ_CONN(d) "{'_type':'TestConnectionRequest','connectionDetails':" d "}"
#define REQ_NAMES_Q(q) "{'_type':'FieldNamesRequest','connectionDetails':{},'query':" q "}"
#define REQ_NAMES(q) REQ_NAMES_Q("{'_type':'FieldNamesQuery'" q "}")
#define REQ_VALUES_Q(q) "{'_type':'FieldValuesRequest','connectionDetails':{}," \
	"'query':{'_type':'FieldValuesQuery'" q "}}"
#define FIELD_HOST ",'field':{'_type':'FieldDescriptor','fieldName':'host'," \
	"'fieldType':'STRING','classified':false}"
#define REQ_VALUES(q) REQ_VALUES_Q(FIELD_HOST q)
#define REQ_METRIC_Q(q) "{'_type':'MetricsRequest','connectionDetails':{}," \
	"'query':{'_type':'MetricsQuery'" q "}}"
#define REQ_METRIC(q) REQ_METRIC_Q(",'startTime':1000,'endTime':2000" q)
#define COND(k, t, v) "{'key':'" k "','value':{'_type':'" t "','value':" v \
	"},'_type':'EqualityCondition'}"
#define CONDS(list) ",'conditions':[" list "]"
#define AGG(m, b) ",'aggregation':{'method':'" m "','bucketSizeMillis':" b \
	",'_type':'Aggregation'}"
/* An hour in buckets of a minute: 60 buckets, well inside the defaults. */
#define AGG_HOUR(m) REQ_METRIC_Q(",'startTime':0,'endTime':3600000" AGG(m, "60000"))

/* Dumps of the default query of each method, to build expectations on. */
#define D_NAMES "names backend=- nan=skip range=- limit=max latest=0 conds=[]"
#define D_VALUES "values backend=- nan=skip range=- limit=max latest=0 conds=[] " \
	"field=host:STRING:0 prefix=- offset=0"
#define D_METRIC "metric backend=- nan=skip range=1000..2000 limit=max latest=0 " \
	"conds=[] metricField=- agg=-"
#define D_HOUR(m) "metric backend=- nan=skip range=0..3600000 limit=max " \
	"latest=0 conds=[] metricField=- agg=" m "/60000"

/* 16 and 17 bytes: at and over the max_string of the rows that set 16. */
#define S16 "abcdefghijklmnop"
#define S17 "abcdefghijklmnopq"
#define S65 "0123456789012345678901234567890123456789012345678901234567890123x"

/* Limits a row tightens; zero keeps mirror_conf_defaults()'. */
struct limits {
	int depth;
	size_t max_string;
	size_t max_conditions;
	size_t max_set_values;
	int64_t max_range_ms;
	uint64_t max_span_buckets;
};

struct parse_row {
	enum mirror_method method;
	const char *body;
	enum mirror_err code;
	const char *want;     /* OK: dump_query(); else err.details */
	size_t len;           /* RAWROW: bytes of body */
	bool prefix;          /* want is a prefix of err.details */
	size_t claim;         /* length passed instead of the body's own */
	struct limits lim;
};

static const struct parse_row good_rows[] = {
	/* --- /api/connection ------------------------------------------ */
	ROW(M_CONN, REQ_CONN("{}"), OK, "connection backend=- nan=skip"),
	ROW(M_CONN, REQ_CONN("{'backend':'sample','url':'http://p:9090','timeout':5,"
	    "'nested':{'a':[1,2.5,{}],'b':null}}"), OK,
	    "connection backend=sample nan=skip"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':'ZERO'}"), OK,
	    "connection backend=- nan=zero"),
	/* One key in different objects, or keys that differ only in case. */
	ROW(M_CONN, REQ_CONN("{'a':{'a':1},'b':{'a':[{'a':2},{'a':3}]},'A':4,'\\u00e9':5,"
	    "'\\u00c9':6,'\\ud83d\\ude00':7,'\\ud83d':8}"), OK,
	    "connection backend=- nan=skip"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':'zero'}"), OK,
	    "connection backend=- nan=zero"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':'SKIP'}"), OK,
	    "connection backend=- nan=skip"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':null,'backend':null}"), OK,
	    "connection backend=- nan=skip"),
	/* JSON escapes are decoded before the name is compared. */
	ROW(M_CONN, REQ_CONN("{'backend':'sam\\u0070le'}"), OK,
	    "connection backend=sample nan=skip"),
	/* Whitespace around the value is not "data after it". */
	ROW(M_CONN, " \t\r\n" REQ_CONN("{}") "\r\n \t", OK,
	    "connection backend=- nan=skip"),
	/* Member order is free; a query is not read for this method. */
	ROW(M_CONN, "{'connectionDetails':{},'extra':[true],'query':5,"
	    "'_type':'TestConnectionRequest'}", OK, "connection backend=- nan=skip"),
	/* Exactly json_depth levels: root, details, a, b. */
	ROW(M_CONN, REQ_CONN("{'a':{'b':[]}}"), OK, "connection backend=- nan=skip",
	    .lim = {.depth = 4}),

	/* --- /api/field/name ------------------------------------------ */
	ROW(M_NAMES, REQ_NAMES(""), OK, D_NAMES),
	ROW(M_NAMES, REQ_NAMES_Q("{}"), OK, D_NAMES),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("host", "StringValue", "'web-1'") ","
	    COND("v", "DoubleValue", "1.5") "," COND("up", "BooleanValue", "true") ","
	    COND("dc", "InSetValue", "['a','b']"))), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 "
	    "conds=[host=S:web-1,v=D:1.5,up=B:true,dc=I:a|b]"),
	ROW(M_NAMES, REQ_NAMES(CONDS("")), OK, D_NAMES),
	/* An EqualityCondition's own _type is optional: absent or null. */
	ROW(M_NAMES, REQ_NAMES(",'conditions':[{'key':'k','value':{'_type':"
	    "'StringValue','value':'v'}}]"), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 conds=[k=S:v]"),
	ROW(M_NAMES, REQ_NAMES(",'conditions':[{'_type':null,'key':'k','value':{"
	    "'_type':'StringValue','value':'v'}}]"), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 conds=[k=S:v]"),
	ROW(M_NAMES, REQ_NAMES(",'startTime':1555408501000,'endTime':1555408601000,"
	    "'limit':2147483647,'latestFirst':true"), OK,
	    "names backend=- nan=skip range=1555408501000..1555408601000 "
	    "limit=2147483647 latest=1 conds=[]"),
	ROW(M_NAMES, REQ_NAMES(",'lastFirst':true"), OK,
	    "names backend=- nan=skip range=- limit=max latest=1 conds=[]"),
	/* latestFirst, when present, wins over the other spelling. */
	ROW(M_NAMES, REQ_NAMES(",'latestFirst':false,'lastFirst':true"), OK, D_NAMES),
	ROW(M_NAMES, REQ_NAMES(",'startTime':5,'endTime':5,'limit':1"), OK,
	    "names backend=- nan=skip range=5..5 limit=1 latest=0 conds=[]"),
	/* Integral doubles are integers (some clients write 1000.0). */
	ROW(M_NAMES, REQ_NAMES(",'startTime':1000.0,'endTime':2e3,'limit':1E1"), OK,
	    "names backend=- nan=skip range=1000..2000 limit=10 latest=0 conds=[]"),
	ROW(M_NAMES, REQ_NAMES(",'limit':null,'latestFirst':null,'conditions':null,"
	    "'startTime':null,'endTime':null"), OK, D_NAMES),
	ROW(M_NAMES, REQ_NAMES(",'startTime':-2000,'endTime':-1000"), OK,
	    "names backend=- nan=skip range=-2000..-1000 limit=max latest=0 conds=[]"),
	/* The longest range allowed: 400 days. */
	ROW(M_NAMES, REQ_NAMES(",'startTime':0,'endTime':34560000000"), OK,
	    "names backend=- nan=skip range=0..34560000000 limit=max latest=0 conds=[]"),
	ROW(M_NAMES, REQ_NAMES(",'startTime':9007199254740000,"
	    "'endTime':9007199254740992"), OK,
	    "names backend=- nan=skip range=9007199254740000..9007199254740992 "
	    "limit=max latest=0 conds=[]"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a\\\"b", "StringValue", "'caf\\u00e9'"))), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 "
	    "conds=[a\"b=S:caf\xc3\xa9]"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("k", "StringValue", "''") ","
	    COND("s", "InSetValue", "[]"))), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 conds=[k=S:,s=I:]"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "DoubleValue", "42") ","
	    COND("b", "DoubleValue", "-0.5") "," COND("c", "DoubleValue", "1e300") ","
	    COND("d", "BooleanValue", "false"))), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 "
	    "conds=[a=D:42,b=D:-0.5,c=D:1.0000000000000001e+300,d=B:false]"),
	/* At each limit exactly: still accepted. */
	ROW(M_NAMES, REQ_NAMES(CONDS(COND(S16, "StringValue", "'" S16 "'"))), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 conds=["
	    S16 "=S:" S16 "]", .lim = {.max_string = 16}),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "'1'") ","
	    COND("b", "InSetValue", "['x','y']"))), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 "
	    "conds=[a=S:1,b=I:x|y]", .lim = {.max_conditions = 2, .max_set_values = 2}),
	ROW(M_NAMES, REQ_NAMES(",'startTime':0,'endTime':1000"), OK,
	    "names backend=- nan=skip range=0..1000 limit=max latest=0 conds=[]",
	    .lim = {.max_range_ms = 1000}),
	/* Unknown members are ignored, in the query and in a condition. */
	ROW(M_NAMES, REQ_NAMES(",'extra':{'x':[1]},'conditions':[{'key':'k','note':'n',"
	    "'value':{'_type':'BooleanValue','value':true,'x':1}}]"), OK,
	    "names backend=- nan=skip range=- limit=max latest=0 conds=[k=B:true]"),

	/* --- /api/field/value ----------------------------------------- */
	ROW(M_VALUES, REQ_VALUES(""), OK, D_VALUES),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'_type':'FieldDescriptor','fieldName':"
	    "'cpu','fieldType':'NUMBER','classified':true}"), OK,
	    "values backend=- nan=skip range=- limit=max latest=0 conds=[] "
	    "field=cpu:NUMBER:1 prefix=- offset=0"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'up','fieldType':'BOOLEAN'}"),
	    OK, "values backend=- nan=skip range=- limit=max latest=0 conds=[] "
	    "field=up:BOOLEAN:0 prefix=- offset=0"),
	/* fieldType and classified are optional. */
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'host'}"), OK, D_VALUES),
	ROW(M_VALUES, REQ_VALUES(",'fieldValuePrefix':'cpu.','offset':20"), OK,
	    "values backend=- nan=skip range=- limit=max latest=0 conds=[] "
	    "field=host:STRING:0 prefix='cpu.' offset=20"),
	/* An empty prefix is a prefix, not an absent one. */
	ROW(M_VALUES, REQ_VALUES(",'fieldValuePrefix':''"), OK,
	    "values backend=- nan=skip range=- limit=max latest=0 conds=[] "
	    "field=host:STRING:0 prefix='' offset=0"),
	ROW(M_VALUES, REQ_VALUES(",'fieldValuePrefix':null,'offset':null"), OK, D_VALUES),
	ROW(M_VALUES, REQ_VALUES(",'offset':0"), OK, D_VALUES),
	ROW(M_VALUES, REQ_VALUES(CONDS(COND("dc", "InSetValue", "['eu']"))
	    ",'startTime':10,'endTime':20,'limit':3,'lastFirst':true"), OK,
	    "values backend=- nan=skip range=10..20 limit=3 latest=1 conds=[dc=I:eu] "
	    "field=host:STRING:0 prefix=- offset=0"),

	/* --- /api/metric ---------------------------------------------- */
	ROW(M_METRIC, REQ_METRIC(""), OK, D_METRIC),
	ROW(M_METRIC, REQ_METRIC(",'metricField':'value'"), OK,
	    "metric backend=- nan=skip range=1000..2000 limit=max latest=0 conds=[] "
	    "metricField=value agg=-"),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':null"), OK, D_METRIC),
	ROW(M_METRIC, REQ_METRIC(CONDS(COND("__name__", "StringValue", "'up'"))
	    ",'limit':100,'lastFirst':true"), OK,
	    "metric backend=- nan=skip range=1000..2000 limit=100 latest=1 "
	    "conds=[__name__=S:up] metricField=- agg=-"),
	ROW(M_METRIC, REQ_METRIC(CONDS(COND("__name__", "StringValue", "'up'") ","
	    COND("le", "DoubleValue", "0.25") "," COND("canary", "BooleanValue",
	    "false") "," COND("job", "InSetValue", "['api','web','db']"))), OK,
	    "metric backend=- nan=skip range=1000..2000 limit=max latest=0 "
	    "conds=[__name__=S:up,le=D:0.25,canary=B:false,job=I:api|web|db] "
	    "metricField=- agg=-"),
	ROW(M_METRIC, "{'_type':'MetricsRequest','connectionDetails':{'backend':"
	    "'sample','nan_interpretation':'ZERO'},'query':{'_type':'MetricsQuery',"
	    "'startTime':1000,'endTime':2000}}", OK,
	    "metric backend=sample nan=zero range=1000..2000 limit=max latest=0 "
	    "conds=[] metricField=- agg=-"),
	ROW(M_METRIC, AGG_HOUR("MEAN"), OK, D_HOUR("MEAN")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_25"), OK, D_HOUR("PERCENTILE_25")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_50"), OK, D_HOUR("PERCENTILE_50")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_75"), OK, D_HOUR("PERCENTILE_75")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_90"), OK, D_HOUR("PERCENTILE_90")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_95"), OK, D_HOUR("PERCENTILE_95")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_98"), OK, D_HOUR("PERCENTILE_98")),
	ROW(M_METRIC, AGG_HOUR("PERCENTILE_99"), OK, D_HOUR("PERCENTILE_99")),
	ROW(M_METRIC, AGG_HOUR("MAX"), OK, D_HOUR("MAX")),
	ROW(M_METRIC, AGG_HOUR("MIN"), OK, D_HOUR("MIN")),
	ROW(M_METRIC, AGG_HOUR("SUM"), OK, D_HOUR("SUM")),
	ROW(M_METRIC, AGG_HOUR("EVENT_COUNT"), OK, D_HOUR("EVENT_COUNT")),
	ROW(M_METRIC, AGG_HOUR("SUM_NO_ZEROS"), OK, D_HOUR("SUM_NO_ZEROS")),
	ROW(M_METRIC, AGG_HOUR("EVENT_COUNT_NO_ZEROS"), OK, D_HOUR("EVENT_COUNT_NO_ZEROS")),
	/* Exactly max_span_buckets buckets, aligned and not (decision 1). */
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':0,'endTime':10000" AGG("SUM", "1000")),
	    OK, "metric backend=- nan=skip range=0..10000 limit=max latest=0 "
	    "conds=[] metricField=- agg=SUM/1000", .lim = {.max_span_buckets = 10}),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':500,'endTime':9500" AGG("SUM", "1000")),
	    OK, "metric backend=- nan=skip range=500..9500 limit=max latest=0 "
	    "conds=[] metricField=- agg=SUM/1000", .lim = {.max_span_buckets = 10}),
	/* An empty range asks for no bucket at all. */
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':7,'endTime':7" AGG("MEAN", "1")), OK,
	    "metric backend=- nan=skip range=7..7 limit=max latest=0 conds=[] "
	    "metricField=- agg=MEAN/1", .lim = {.max_span_buckets = 1}),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':{'bucketSizeMillis':9007199254740992,"
	    "'method':'MAX','extra':1}"), OK,
	    "metric backend=- nan=skip range=1000..2000 limit=max latest=0 conds=[] "
	    "metricField=- agg=MAX/9007199254740992"),
};

static const struct parse_row bad_rows[] = {
	/* --- not JSON ------------------------------------------------- */
	ROW(M_CONN, "", BAD, "the body is not JSON: it is empty"),
	ROW(M_CONN, "   ", BAD, "the body is not JSON: it ends too early"),
	ROW(M_CONN, "{", BAD, "the body is not JSON: it ends too early"),
	ROW(M_CONN, "{'_type':'TestConnectionRequest','connectionDetails':{}", BAD,
	    "the body is not JSON: it ends too early"),
	ROW(M_CONN, "nope", BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, "{'a' 1}", BAD, "the body is not JSON: ", .prefix = true),
	/* Trailing garbage, whether json-c or parse.c notices it. */
	ROW(M_CONN, REQ_CONN("{}") "x", BAD, "the body ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{}") " " REQ_CONN("{}"), BAD, "the body ", .prefix = true),
	RAWROW(M_CONN, "{}\0", BAD, "the body has data after the JSON value at byte 2"),
	RAWROW(M_CONN, "{\"_type\":\"Test\0\"}", BAD, "the body is not JSON: ",
	    .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':[1,2,]}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':1,}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{/*c*/}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':01}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':+1}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':.5}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':0x10}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':TRUE}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\\x'}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\\u12'}"), BAD, "the body is not JSON: ", .prefix = true),
	RAWROW(M_CONN, "{'_type':'TestConnectionRequest','connectionDetails':{}}", BAD,
	    "the body is not JSON: ", .prefix = true),
	/* Strict JSON (RFC 8259) has none of these; json-c's lenient mode does. */
	ROW(M_CONN, REQ_CONN("{'x':NaN}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'x':Infinity}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':-Infinity,'endTime':0"), BAD,
	    "the body is not JSON: ", .prefix = true),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("v", "DoubleValue", "NaN"))), BAD,
	    "the body is not JSON: ", .prefix = true),
	RAWROW(M_CONN, "{\"_type\":\"TestConnectionRequest\",'connectionDetails':{}}",
	    BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':1.}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\x01'}"), BAD, "the body is not JSON: ", .prefix = true),
	/* Invalid UTF-8 (RFC 3629): stray, truncated, overlong, surrogate, too big. */
	ROW(M_CONN, REQ_CONN("{'a':'\xff'}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\x80'}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\xc3'}"), BAD, "the body is not JSON: ", .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\xf8\x88\x80\x80\x80'}"), BAD, "the body is not JSON: ",
	    .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\xc0\xaf'}"), BAD, "the body is not JSON: ",
	    .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\xed\xa0\x80'}"), BAD, "the body is not JSON: ",
	    .prefix = true),
	ROW(M_CONN, REQ_CONN("{'a':'\xf4\x90\x80\x80'}"), BAD, "the body is not JSON: ",
	    .prefix = true),
	/* Repeated keys, however they are spelled (RFC 8259 §4 leaves them to
	 * the parser; json-c keeps the last value). */
	ROW(M_CONN, "{'_type':'TestConnectionRequest','_type':'TestConnectionRequest',"
	    "'connectionDetails':{}}", BAD, "the body repeats the key \"_type\" in one "
	    "object (at byte 33); a key may appear only once"),
	ROW(M_CONN, REQ_CONN("{'backend':'sample','backend':'prometheus'}"), BAD,
	    "the body repeats the key \"backend\" in one object (at byte 73); a key "
	    "may appear only once"),
	ROW(M_CONN, REQ_CONN("{'url':'a','\\u0075rl':'b'}"), BAD,
	    "the body repeats the key \"url\" in one object (at byte 64); a key may "
	    "appear only once"),
	/* json-c reads an unpaired surrogate as U+FFFD. */
	ROW(M_CONN, REQ_CONN("{'\\ud800':1,'\\ufffd':2}"), BAD,
	    "the body repeats the key \"\xef\xbf\xbd\" in one object (at byte 65); "
	    "a key may appear only once"),
	ROW(M_CONN, REQ_CONN("{'x':{'a':1,'b':2,'a':3}}"), BAD,
	    "the body repeats the key \"a\" in one object (at byte 71); a key may "
	    "appear only once"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a','key':'b','value':{'_type':'StringValue',"
	    "'value':'x'},'_type':'EqualityCondition'}")), BAD,
	    "the body repeats the key \"key\" in one object (at ", .prefix = true),
	/* json-c would cut the key at the NUL, making it "a". */
	ROW(M_CONN, REQ_CONN("{'a\\u0000b':1}"), BAD,
	    "the body has an object key holding \\u0000 at byte 54"),
	/* Nesting: one level over json_depth, with small and default limits. */
	ROW(M_CONN, REQ_CONN("{'a':{'b':{'c':{}}}}"), BAD,
	    "the body nests JSON deeper than 4 levels", .lim = {.depth = 4}),
	ROW(M_CONN, REQ_CONN("{'a':[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]}"), BAD,
	    "the body nests JSON deeper than 16 levels"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("dc", "InSetValue", "['a']"))), BAD,
	    "the body nests JSON deeper than 5 levels", .lim = {.depth = 5}),
	/* The root must be an object. */
	ROW(M_CONN, "[]", BAD, "the body must be a JSON object"),
	ROW(M_CONN, "'s'", BAD, "the body must be a JSON object"),
	ROW(M_CONN, "123 ", BAD, "the body must be a JSON object"),
	ROW(M_CONN, "123", BAD, "the body must be a JSON object"),
	ROW(M_CONN, "true", BAD, "the body must be a JSON object"),
	ROW(M_CONN, "null", BAD, "the body must be a JSON object"),
	ROW(M_CONN, "[" REQ_CONN("{}") "]", BAD, "the body must be a JSON object"),

	/* --- the envelope --------------------------------------------- */
	ROW(M_CONN, "{'connectionDetails':{}}", BAD, "_type is required"),
	ROW(M_CONN, "{'_type':null,'connectionDetails':{}}", BAD, "_type is required"),
	ROW(M_CONN, "{'_type':5,'connectionDetails':{}}", BAD, "_type must be a string"),
	ROW(M_CONN, "{'_type':['TestConnectionRequest'],'connectionDetails':{}}", BAD,
	    "_type must be a string"),
	ROW(M_CONN, "{'_type':'" S65 "','connectionDetails':{}}", BAD,
	    "_type is longer than 64 bytes"),
	ROW(M_CONN, "{'_type':'TestConnection\\u0000Request','connectionDetails':{}}",
	    BAD, "_type must be a string without NUL characters"),
	ROW(M_NAMES, REQ_METRIC(""), BAD, "_type must be FieldNamesRequest for this path"),
	ROW(M_METRIC, REQ_CONN("{}"), BAD, "_type must be MetricsRequest for this path"),
	ROW(M_VALUES, REQ_NAMES(""), BAD, "_type must be FieldValuesRequest for this path"),
	ROW(M_CONN, "{'_type':'testconnectionrequest','connectionDetails':{}}", BAD,
	    "_type must be TestConnectionRequest for this path"),
	ROW(M_CONN, "{'_type':'TestConnectionRequest'}", BAD, "connectionDetails is required"),
	ROW(M_CONN, REQ_CONN("null"), BAD, "connectionDetails is required"),
	ROW(M_CONN, REQ_CONN("[]"), BAD, "connectionDetails must be an object"),
	ROW(M_CONN, REQ_CONN("'http://p:9090'"), BAD, "connectionDetails must be an object"),
	ROW(M_CONN, REQ_CONN("{'backend':5}"), BAD, "connectionDetails.backend must be a string"),
	ROW(M_CONN, REQ_CONN("{'backend':'" S65 "'}"), BAD,
	    "connectionDetails.backend is longer than 64 bytes"),
	ROW(M_CONN, REQ_CONN("{'backend':'sam\\u0000ple'}"), BAD,
	    "connectionDetails.backend must be a string without NUL characters"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':'NONE'}"), BAD,
	    "connectionDetails.nan_interpretation must be ZERO or SKIP"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':''}"), BAD,
	    "connectionDetails.nan_interpretation must be ZERO or SKIP"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':'ZEROS'}"), BAD,
	    "connectionDetails.nan_interpretation must be ZERO or SKIP"),
	ROW(M_CONN, REQ_CONN("{'nan_interpretation':true}"), BAD,
	    "connectionDetails.nan_interpretation must be a string"),
	ROW(M_CONN, REQ_CONN("{'pushdown':'no'}"), BAD,
	    "connectionDetails.pushdown must be true or false"),
	ROW(M_CONN, REQ_CONN("{'pushdown':0}"), BAD,
	    "connectionDetails.pushdown must be true or false"),
	ROW(M_NAMES, "{'_type':'FieldNamesRequest','connectionDetails':{}}", BAD,
	    "query is required"),
	ROW(M_METRIC, "{'_type':'MetricsRequest','connectionDetails':{},'query':null}",
	    BAD, "query is required"),
	ROW(M_VALUES, "{'_type':'FieldValuesRequest','connectionDetails':{},'query':[]}",
	    BAD, "query must be an object"),
	ROW(M_NAMES, REQ_NAMES_Q("{'_type':'MetricsQuery'}"), BAD,
	    "query._type must be FieldNamesQuery for this path"),
	/* A repeated key is refused, not resolved last-wins as json-c would. */
	ROW(M_METRIC, REQ_METRIC_Q(",'_type':'FieldValuesQuery','startTime':1,'endTime':2"),
	    BAD, "the body repeats the key \"_type\" in one object (at byte 81); a "
	    "key may appear only once"),
	ROW(M_NAMES, REQ_NAMES_Q("{'_type':5}"), BAD, "query._type must be a string"),

	/* --- conditions ----------------------------------------------- */
	ROW(M_NAMES, REQ_NAMES(",'conditions':{}"), BAD, "query.conditions must be an array"),
	ROW(M_METRIC, REQ_METRIC(",'conditions':'host=a'"), BAD,
	    "query.conditions must be an array"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "'1'") ","
	    COND("b", "StringValue", "'2'") "," COND("c", "StringValue", "'3'"))), BAD,
	    "query.conditions has more than 2 entries", .lim = {.max_conditions = 2}),
	ROW(M_NAMES, REQ_NAMES(CONDS("5")), BAD, "query.conditions[0] must be an object"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "'1'") ",[]")), BAD,
	    "query.conditions[1] must be an object"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a','value':{'_type':'StringValue',"
	    "'value':'1'},'_type':'InequalityCondition'}")), BAD,
	    "query.conditions[0]._type must be EqualityCondition"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'value':{'_type':'StringValue','value':'1'}}")),
	    BAD, "query.conditions[0].key is required"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("", "StringValue", "'1'"))), BAD,
	    "query.conditions[0].key is empty"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':5,'value':{'_type':'StringValue',"
	    "'value':'1'}}")), BAD, "query.conditions[0].key must be a string"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND(S17, "StringValue", "'1'"))), BAD,
	    "query.conditions[0].key is longer than 16 bytes", .lim = {.max_string = 16}),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a\\u0000b", "StringValue", "'1'"))), BAD,
	    "query.conditions[0].key must be a string without NUL characters"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a'}")), BAD,
	    "query.conditions[0].value is required"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a','value':'web-1'}")), BAD,
	    "query.conditions[0].value must be an object"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a','value':{'value':'1'}}")), BAD,
	    "query.conditions[0].value._type is required"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "LongValue", "1"))), BAD,
	    "query.conditions[0].value._type must be StringValue, DoubleValue, "
	    "BooleanValue or InSetValue"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "5"))), BAD,
	    "query.conditions[0].value.value must be a string"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a','value':{'_type':'StringValue'}}")), BAD,
	    "query.conditions[0].value.value is required"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "'" S17 "'"))), BAD,
	    "query.conditions[0].value.value is longer than 16 bytes",
	    .lim = {.max_string = 16}),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "'x\\u0000'"))), BAD,
	    "query.conditions[0].value.value must be a string without NUL characters"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "DoubleValue", "'1.5'"))), BAD,
	    "query.conditions[0].value.value must be a number"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "DoubleValue", "true"))), BAD,
	    "query.conditions[0].value.value must be a number"),
	/* Valid JSON, but no double holds it. */
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "DoubleValue", "1e400"))), BAD,
	    "query.conditions[0].value.value must be a finite number"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "BooleanValue", "'true'"))), BAD,
	    "query.conditions[0].value.value must be true or false"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "BooleanValue", "1"))), BAD,
	    "query.conditions[0].value.value must be true or false"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "InSetValue", "'a'"))), BAD,
	    "query.conditions[0].value.value must be an array"),
	ROW(M_NAMES, REQ_NAMES(CONDS("{'key':'a','value':{'_type':'InSetValue'}}")), BAD,
	    "query.conditions[0].value.value is required"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "InSetValue", "[1]"))), BAD,
	    "query.conditions[0].value.value must be a string"),
	/* A failure after some entries were copied: nothing may leak. */
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "StringValue", "'1'") ","
	    COND("b", "InSetValue", "['x','y',null]"))), BAD,
	    "query.conditions[1].value.value must be a string"),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "InSetValue", "['x','y','z']"))), BAD,
	    "query.conditions[0].value.value has more than 2 entries",
	    .lim = {.max_set_values = 2}),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "InSetValue", "['x','" S17 "']"))), BAD,
	    "query.conditions[0].value.value is longer than 16 bytes",
	    .lim = {.max_string = 16}),
	ROW(M_NAMES, REQ_NAMES(CONDS(COND("a", "InSetValue", "['x\\u0000y']"))), BAD,
	    "query.conditions[0].value.value must be a string without NUL characters"),

	/* --- startTime, endTime --------------------------------------- */
	ROW(M_METRIC, REQ_METRIC_Q(",'endTime':2000"), BAD, "query.startTime is required"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':1000"), BAD, "query.endTime is required"),
	ROW(M_METRIC, REQ_METRIC_Q(""), BAD, "query.startTime is required"),
	ROW(M_NAMES, REQ_NAMES(",'startTime':1000"), BAD,
	    "query.startTime and query.endTime go together"),
	ROW(M_VALUES, REQ_VALUES(",'endTime':1000"), BAD,
	    "query.startTime and query.endTime go together"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':2000,'endTime':1999"), BAD,
	    "query.endTime is before query.startTime"),
	ROW(M_NAMES, REQ_NAMES(",'startTime':0,'endTime':-1"), BAD,
	    "query.endTime is before query.startTime"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':'1000','endTime':2000"), BAD,
	    "query.startTime must be an integer"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':1000.5,'endTime':2000"), BAD,
	    "query.startTime must be an integer"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':[],'endTime':2000"), BAD,
	    "query.startTime must be an integer"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':1000,'endTime':true"), BAD,
	    "query.endTime must be an integer"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':1000,'endTime':1e300"), BAD,
	    "query.endTime must be an integer"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':9007199254740993,'endTime':2000"), BAD,
	    "query.startTime must be from -9007199254740992 to 9007199254740992"),
	/* json-c saturates this to INT64_MAX; the bounds still catch it. */
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':1000,'endTime':99999999999999999999"),
	    BAD, "query.endTime must be from -9007199254740992 to 9007199254740992"),
	ROW(M_NAMES, REQ_NAMES(",'startTime':0,'endTime':34560000001"), BAD,
	    "query spans more than 34560000000 ms"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':0,'endTime':1001"), BAD,
	    "query spans more than 1000 ms", .lim = {.max_range_ms = 1000}),

	/* --- limit, latestFirst --------------------------------------- */
	ROW(M_NAMES, REQ_NAMES(",'limit':0"), BAD,
	    "query.limit must be from 1 to 9223372036854775807"),
	ROW(M_METRIC, REQ_METRIC(",'limit':-1"), BAD,
	    "query.limit must be from 1 to 9223372036854775807"),
	ROW(M_VALUES, REQ_VALUES(",'limit':'10'"), BAD, "query.limit must be an integer"),
	ROW(M_METRIC, REQ_METRIC(",'limit':1.5"), BAD, "query.limit must be an integer"),
	ROW(M_NAMES, REQ_NAMES(",'limit':true"), BAD, "query.limit must be an integer"),
	ROW(M_NAMES, REQ_NAMES(",'latestFirst':'true'"), BAD,
	    "query.latestFirst must be true or false"),
	ROW(M_METRIC, REQ_METRIC(",'latestFirst':1"), BAD,
	    "query.latestFirst must be true or false"),
	ROW(M_VALUES, REQ_VALUES(",'lastFirst':'yes'"), BAD,
	    "query.lastFirst must be true or false"),

	/* --- field, fieldValuePrefix, offset -------------------------- */
	ROW(M_VALUES, REQ_VALUES_Q(""), BAD, "query.field is required"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':'host'"), BAD, "query.field must be an object"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldType':'STRING'}"), BAD,
	    "query.field.fieldName is required"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':5}"), BAD,
	    "query.field.fieldName must be a string"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'" S17 "'}"), BAD,
	    "query.field.fieldName is longer than 16 bytes", .lim = {.max_string = 16}),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'h','fieldType':'TEXT'}"), BAD,
	    "query.field.fieldType must be STRING, NUMBER or BOOLEAN"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'h','fieldType':'string'}"), BAD,
	    "query.field.fieldType must be STRING, NUMBER or BOOLEAN"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'h','fieldType':5}"), BAD,
	    "query.field.fieldType must be a string"),
	ROW(M_VALUES, REQ_VALUES_Q(",'field':{'fieldName':'h','classified':'no'}"), BAD,
	    "query.field.classified must be true or false"),
	ROW(M_VALUES, REQ_VALUES(",'fieldValuePrefix':5"), BAD,
	    "query.fieldValuePrefix must be a string"),
	ROW(M_VALUES, REQ_VALUES(",'fieldValuePrefix':'" S17 "'"), BAD,
	    "query.fieldValuePrefix is longer than 16 bytes", .lim = {.max_string = 16}),
	ROW(M_VALUES, REQ_VALUES(",'fieldValuePrefix':'cpu\\u0000'"), BAD,
	    "query.fieldValuePrefix must be a string without NUL characters"),
	ROW(M_VALUES, REQ_VALUES(",'offset':-1"), BAD,
	    "query.offset must be from 0 to 9223372036854775807"),
	ROW(M_VALUES, REQ_VALUES(",'offset':'5'"), BAD, "query.offset must be an integer"),

	/* --- metricField, aggregation --------------------------------- */
	ROW(M_METRIC, REQ_METRIC(",'metricField':5"), BAD, "query.metricField must be a string"),
	ROW(M_METRIC, REQ_METRIC(",'metricField':'" S17 "'"), BAD,
	    "query.metricField is longer than 16 bytes", .lim = {.max_string = 16}),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':'MEAN'"), BAD,
	    "query.aggregation must be an object"),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':[]"), BAD, "query.aggregation must be an object"),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':{'bucketSizeMillis':1000}"), BAD,
	    "query.aggregation.method is required"),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':{'method':5,'bucketSizeMillis':1000}"), BAD,
	    "query.aggregation.method must be a string"),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':{'method':'" S65 "','bucketSizeMillis':1}"),
	    BAD, "query.aggregation.method is longer than 64 bytes"),
	ROW(M_METRIC, REQ_METRIC(AGG("MEDIAN", "1000")), BAD,
	    "unknown aggregation method \"MEDIAN\""),
	ROW(M_METRIC, REQ_METRIC(AGG("", "1000")), BAD, "unknown aggregation method \"\""),
	ROW(M_METRIC, REQ_METRIC(AGG("PERCENTILE_100", "1000")), BAD,
	    "unknown aggregation method \"PERCENTILE_100\""),
	ROW(M_METRIC, REQ_METRIC(AGG("MAX_VALUE", "1000")), BAD,
	    "unknown aggregation method \"MAX_VALUE\""),
	ROW(M_METRIC, REQ_METRIC(",'aggregation':{'method':'MEAN'}"), BAD,
	    "query.aggregation.bucketSizeMillis is required"),
	ROW(M_METRIC, REQ_METRIC(AGG("MEAN", "0")), BAD,
	    "query.aggregation.bucketSizeMillis must be from 1 to 9007199254740992"),
	ROW(M_METRIC, REQ_METRIC(AGG("MEAN", "-60000")), BAD,
	    "query.aggregation.bucketSizeMillis must be from 1 to 9007199254740992"),
	ROW(M_METRIC, REQ_METRIC(AGG("MEAN", "1.5")), BAD,
	    "query.aggregation.bucketSizeMillis must be an integer"),
	ROW(M_METRIC, REQ_METRIC(AGG("MEAN", "'60000'")), BAD,
	    "query.aggregation.bucketSizeMillis must be an integer"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':0,'endTime':86400000" AGG("SUM", "1")),
	    BAD, "the query asks for 86400000 buckets; at most 1000000 are allowed"),
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':0,'endTime':11000" AGG("SUM", "1000")),
	    BAD, "the query asks for 11 buckets; at most 10 are allowed",
	    .lim = {.max_span_buckets = 10}),
	/* Unaligned: [500,10500) touches the 11 buckets from [0,1000) on. */
	ROW(M_METRIC, REQ_METRIC_Q(",'startTime':500,'endTime':10500" AGG("MEAN", "1000")),
	    BAD, "the query asks for 11 buckets; at most 10 are allowed",
	    .lim = {.max_span_buckets = 10}),

	/* --- the call itself ------------------------------------------ */
	ROW(MIRROR_METHOD_MAX, REQ_CONN("{}"), MIRROR_ERR_INTERNAL, "no such method"),
	/* The length is refused before a byte is read. */
	ROW(M_CONN, "{}", MIRROR_ERR_TOO_LARGE, "body too large",
	    .claim = (size_t)INT32_MAX + 1),
};

static void
add_num(struct mirror_buf *b, const char *label, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof tmp, "%lld", v);
	mirror_buf_adds(b, label);
	mirror_buf_adds(b, tmp);
}

static void
dump_cond(struct mirror_buf *b, const struct mirror_condition *c)
{
	char tmp[40];
	size_t i;

	mirror_buf_adds(b, c->key);
	switch (c->type) {
	case MIRROR_VALUE_STRING:
		mirror_buf_adds(b, "=S:");
		mirror_buf_adds(b, c->str);
		break;
	case MIRROR_VALUE_DOUBLE:
		snprintf(tmp, sizeof tmp, "=D:%.17g", c->num);
		mirror_buf_adds(b, tmp);
		break;
	case MIRROR_VALUE_BOOLEAN:
		mirror_buf_adds(b, c->boolean ? "=B:true" : "=B:false");
		break;
	default:
		mirror_buf_adds(b, "=I:");
		for (i = 0; i < c->set_len; i++) {
			if (i > 0)
				mirror_buf_addc(b, '|');
			mirror_buf_adds(b, c->set[i]);
		}
	}
}

/* One line naming every field the method reads, in a fixed order. */
static char *
dump_query(const struct mirror_query *q)
{
	static const char *const names[MIRROR_METHOD_MAX] = {
		"connection", "names", "values", "metric"};
	struct mirror_buf b;
	size_t i;

	mirror_buf_init(&b, 4096);
	mirror_buf_adds(&b, names[q->method]);
	mirror_buf_adds(&b, " backend=");
	mirror_buf_adds(&b, q->backend != NULL ? q->backend : "-");
	mirror_buf_adds(&b, q->nan_as_zero ? " nan=zero" : " nan=skip");
	if (q->method == M_CONN)
		return mirror_buf_steal(&b, NULL);
	if (q->has_range) {
		add_num(&b, " range=", (long long)q->start_ms);
		add_num(&b, "..", (long long)q->end_ms);
	} else {
		mirror_buf_adds(&b, " range=-");
	}
	if (q->limit == INT64_MAX)
		mirror_buf_adds(&b, " limit=max");
	else
		add_num(&b, " limit=", (long long)q->limit);
	mirror_buf_adds(&b, q->latest_first ? " latest=1 conds=[" : " latest=0 conds=[");
	for (i = 0; i < q->nconds; i++) {
		if (i > 0)
			mirror_buf_addc(&b, ',');
		dump_cond(&b, &q->conds[i]);
	}
	mirror_buf_addc(&b, ']');
	if (q->method == M_VALUES) {
		mirror_buf_adds(&b, " field=");
		mirror_buf_adds(&b, q->field.name);
		mirror_buf_addc(&b, ':');
		mirror_buf_adds(&b, mirror_field_type_name(q->field.type));
		mirror_buf_adds(&b, q->field.classified ? ":1 prefix=" : ":0 prefix=");
		if (q->prefix != NULL) {
			mirror_buf_addc(&b, '\'');
			mirror_buf_adds(&b, q->prefix);
			mirror_buf_addc(&b, '\'');
		} else {
			mirror_buf_addc(&b, '-');
		}
		add_num(&b, " offset=", (long long)q->offset);
	}
	if (q->method == M_METRIC) {
		mirror_buf_adds(&b, " metricField=");
		mirror_buf_adds(&b, q->metric_field != NULL ? q->metric_field : "-");
		mirror_buf_adds(&b, " agg=");
		if (q->aggregated) {
			mirror_buf_adds(&b, mirror_agg_name(q->agg));
			add_num(&b, "/", (long long)q->bucket_ms);
		} else {
			mirror_buf_addc(&b, '-');
		}
	}
	return mirror_buf_steal(&b, NULL);
}

static void
apply_limits(struct mirror_conf *c, const struct limits *l)
{
	if (l->depth != 0)
		c->json_depth = l->depth;
	if (l->max_string != 0)
		c->max_string = l->max_string;
	if (l->max_conditions != 0)
		c->max_conditions = l->max_conditions;
	if (l->max_set_values != 0)
		c->max_set_values = l->max_set_values;
	if (l->max_range_ms != 0)
		c->max_range_ms = l->max_range_ms;
	if (l->max_span_buckets != 0)
		c->max_span_buckets = l->max_span_buckets;
}

/*
 * The body in a buffer of exactly its length, with no NUL after it, so
 * a read past the end shows up under valgrind or ASan.
 */
static char *
row_body(const struct parse_row *r, size_t *len)
{
	size_t n = r->len != 0 ? r->len : strlen(r->body), i;
	char *b = malloc(n != 0 ? n : 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b, r->body, n);
	for (i = 0; r->len == 0 && i < n; i++)
		if (b[i] == '\'')
			b[i] = '"';
	*len = n;
	return b;
}

/* After a failure the query must be initialised and own nothing. */
static void
assert_empty(const struct mirror_query *q, enum mirror_method m)
{
	if ((unsigned)m < MIRROR_METHOD_MAX)
		ck_assert_int_eq(q->method, m);
	ck_assert_ptr_null(q->details);
	ck_assert_ptr_null(q->backend);
	ck_assert_ptr_null(q->conds);
	ck_assert_uint_eq(q->nconds, 0);
	ck_assert_ptr_null(q->field.name);
	ck_assert_ptr_null(q->prefix);
	ck_assert_ptr_null(q->metric_field);
	ck_assert(!q->aggregated);
}

static void
run_row(const struct parse_row *r)
{
	struct mirror_conf conf;
	struct mirror_query q;
	struct mirror_error err;
	enum mirror_err e;
	size_t len;
	char *body, *dump;

	ck_assert_int_eq(mirror_conf_defaults(&conf), MIRROR_OK);
	apply_limits(&conf, &r->lim);
	body = row_body(r, &len);
	e = mirror_parse_request(&conf, r->method, body,
	    r->claim != 0 ? r->claim : len, &q, &err);
	/* Failures name the row's body: the loop index alone says little. */
	ck_assert_msg(e == r->code, "%s: code %d, want %d (details \"%s\")",
	    r->body, e, r->code, err.details);
	ck_assert_int_eq(err.code, r->code);
	if (e == MIRROR_OK) {
		ck_assert_ptr_nonnull(q.details);
		dump = dump_query(&q);
		ck_assert_msg(strcmp(dump, r->want) == 0, "%s: parsed as \"%s\", "
		    "want \"%s\"", r->body, dump, r->want);
		free(dump);
	} else {
		ck_assert_msg(r->prefix ?
		    strncmp(err.details, r->want, strlen(r->want)) == 0 :
		    strcmp(err.details, r->want) == 0,
		    "%s: details \"%s\", want %s\"%s\"", r->body, err.details,
		    r->prefix ? "a prefix " : "", r->want);
		assert_empty(&q, r->method);
	}
	mirror_query_free(&q);
	free(body);
	mirror_conf_free(&conf);
}

START_TEST(test_parse_good)
{
	run_row(&good_rows[_i]);
}
END_TEST

START_TEST(test_parse_bad)
{
	run_row(&bad_rows[_i]);
}
END_TEST

/* The condition kinds reach the model with their own members set. */
START_TEST(test_parse_condition_model)
{
	static const char body[] = REQ_METRIC(CONDS(COND("s", "StringValue", "'x'")
	    "," COND("d", "DoubleValue", "2.5") "," COND("b", "BooleanValue", "true")
	    "," COND("i", "InSetValue", "['p','q']")));
	struct parse_row r = {.body = body};
	struct mirror_conf conf;
	struct mirror_query q;
	struct mirror_error err;
	size_t len;
	char *b = row_body(&r, &len);

	mirror_conf_defaults(&conf);
	ck_assert_int_eq(mirror_parse_request(&conf, M_METRIC, b, len, &q, &err),
	    MIRROR_OK);
	ck_assert_uint_eq(q.nconds, 4);
	ck_assert_int_eq(q.conds[0].type, MIRROR_VALUE_STRING);
	ck_assert_str_eq(q.conds[0].str, "x");
	ck_assert_int_eq(q.conds[1].type, MIRROR_VALUE_DOUBLE);
	ck_assert(q.conds[1].num == 2.5);
	ck_assert_ptr_null(q.conds[1].str);
	ck_assert_int_eq(q.conds[2].type, MIRROR_VALUE_BOOLEAN);
	ck_assert(q.conds[2].boolean);
	ck_assert_int_eq(q.conds[3].type, MIRROR_VALUE_IN_SET);
	ck_assert_uint_eq(q.conds[3].set_len, 2);
	ck_assert_str_eq(q.conds[3].set[1], "q");
	ck_assert_ptr_eq(mirror_query_condition(&q, "b"), &q.conds[2]);
	ck_assert_ptr_null(mirror_query_condition(&q, "nope"));
	ck_assert(mirror_sample_condition_matches(&q.conds[1], "2.5"));
	ck_assert(mirror_sample_condition_matches(&q.conds[2], "true"));
	ck_assert(mirror_sample_condition_matches(&q.conds[3], "p"));
	ck_assert(!mirror_sample_condition_matches(&q.conds[3], "r"));
	/* The details object outlives the parse tree it came from. */
	ck_assert(json_object_is_type(q.details, json_type_object));
	mirror_query_free(&q);
	free(b);
	mirror_conf_free(&conf);
}
END_TEST

Suite *
parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("rows");

	tcase_add_loop_test(tc, test_parse_good, 0, NROWS(good_rows));
	tcase_add_loop_test(tc, test_parse_bad, 0, NROWS(bad_rows));
	tcase_add_test(tc, test_parse_condition_model);
	suite_add_tcase(s, tc);
	return s;
}
