/*
 * The C library allocator's settings for a long-running responder.
 */
#ifndef MIRROR_ALLOC_H
#define MIRROR_ALLOC_H

/*
 * Once per process, before threads start (mirror_global_init() calls it).
 * A one-day answer allocates and frees about half a megabyte per request
 * (points, buckets, the body); with glibc's defaults the 138 KB point
 * array crosses the mmap threshold or the freed top of the heap is given
 * back to the kernel, and every request then pays page faults on fresh
 * pages: a quarter of its CPU time in bench/bench_handle
 * (docs/PERFORMANCE.md). Requests up to MIRROR_ALLOC_KEEP bytes are
 * served from the heap and each heap (glibc has up to 8 per core for the
 * threads) keeps up to twice that free; larger ones still get their own
 * mappings, returned when freed. Elsewhere a no-op.
 */
void mirror_alloc_tune(void);

#define MIRROR_ALLOC_KEEP (1024 * 1024)

#endif
