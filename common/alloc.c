#include "config.h"

#include <stdlib.h>	/* defines __GLIBC__ on glibc */

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "alloc.h"

void
mirror_alloc_tune(void)
{
#if defined(__GLIBC__)
	/* mallopt(3): fixing these also ends glibc's dynamic adjustment. */
	mallopt(M_MMAP_THRESHOLD, MIRROR_ALLOC_KEEP);
	mallopt(M_TRIM_THRESHOLD, 2 * MIRROR_ALLOC_KEEP);
#endif
}
