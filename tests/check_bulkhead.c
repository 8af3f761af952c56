#include "config.h"
#include <check.h>
#include "suites.h"
Suite *bulkhead_suite(void) { return suite_create("bulkhead"); }
