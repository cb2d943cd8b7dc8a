#ifndef ROUTED_ALLOCATION_COUNTER_H
#define ROUTED_ALLOCATION_COUNTER_H
#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc of a new block, aligned allocations) made by this
/// process since it started. Linked only into benchmark executables, which it interposes.
uint64_t routed_allocation_count(void);

/// Bytes malloc has handed out and not yet taken back (mallinfo2: uordblks + hblkhd).
uint64_t routed_heap_in_use(void);

/// Returns free heap memory to the system (malloc_trim(0)), so a resident-set baseline is tight.
void routed_heap_trim(void);

#endif
