/* One Check suite per common/ module; check_main.c runs them all. */
#ifndef MIRROR_TEST_SUITES_H
#define MIRROR_TEST_SUITES_H

#include <check.h>

Suite *conf_suite(void);
Suite *buf_suite(void);
Suite *json_out_suite(void);
Suite *series_suite(void);
Suite *agg_suite(void);
Suite *parse_suite(void);
Suite *sample_suite(void);
Suite *handle_suite(void);
Suite *gateway_suite(void);
Suite *prometheus_suite(void);
Suite *graphite_suite(void);
Suite *bulkhead_suite(void);
Suite *influxdb_suite(void);
Suite *json_stream_suite(void);
Suite *decimal_suite(void);
Suite *media_suite(void);
Suite *pushdown_suite(void);

#endif
