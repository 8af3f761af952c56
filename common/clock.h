/* The one clock the mirror measures durations and deadlines with. */
#ifndef MIRROR_CLOCK_H
#define MIRROR_CLOCK_H

#include <stdint.h>

/* Microseconds on the monotonic clock (unaffected by changes to the date). */
int64_t mirror_clock_us(void);

/* Milliseconds since the epoch on the wall clock: what "now" is for a
 * store's data. */
int64_t mirror_clock_epoch_ms(void);

#endif
