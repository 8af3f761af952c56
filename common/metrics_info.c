#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "metrics_info.h"
#include "store/store.h"

/* Milliseconds since the epoch; 0 until marked. */
static atomic_llong start_ms;

void
mirror_metrics_mark_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	atomic_store(&start_ms, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The stores' names, comma-separated, from the registry (the one list). */
static void
write_stores(struct mirror_buf *b)
{
	size_t i, n;
	const struct mirror_store *const *all = mirror_store_all(&n);

	for (i = 0; i < n; i++) {
		if (i > 0)
			mirror_buf_addc(b, ',');
		mirror_buf_adds(b, all[i]->name);
	}
}

void
mirror_metrics_write_info(struct mirror_buf *b)
{
	long long ms = atomic_load(&start_ms);
	char line[96];

	mirror_buf_adds(b, "# HELP mirror_build_info The mirror's version and the stores compiled in.\n"
	    "# TYPE mirror_build_info gauge\n"
	    "mirror_build_info{version=\"" PACKAGE_VERSION "\",stores=\"");
	write_stores(b);
	mirror_buf_adds(b, "\"} 1\n");
	if (ms == 0)
		return;
	snprintf(line, sizeof line, "%lld.%03lld\n", ms / 1000, ms % 1000);
	mirror_buf_adds(b, "# HELP process_start_time_seconds When this process started, in seconds since the epoch.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds ");
	mirror_buf_adds(b, line);
}
