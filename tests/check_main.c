/* Runs every unit suite; `make check` runs this. */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	Suite *(*const suites[])(void) = {
		conf_suite, buf_suite, json_out_suite, series_suite, agg_suite,
		parse_suite, sample_suite, handle_suite, gateway_suite,
		prometheus_suite, graphite_suite, bulkhead_suite, influxdb_suite, pushdown_suite,
		json_stream_suite, decimal_suite, media_suite,
	};
	SRunner *sr = srunner_create(NULL);
	size_t i;
	int failed;

	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
