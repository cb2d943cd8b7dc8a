#ifndef ROUTED_ALLOCATION_COUNTER_H
#define ROUTED_ALLOCATION_COUNTER_H
#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc of a new block, aligned allocations) made by this
/// process since it started. Linked only into benchmark executables, which it interposes.
uint64_t routed_allocation_count(void);

#endif
