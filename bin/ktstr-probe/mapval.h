/*
 * A BPF map value decoded with the map's own BTF (the blob its loader gave
 * the kernel, parsed by libbpf): globals of .bss/.data/.rodata (a DATASEC)
 * by variable name, structs as objects, char arrays as strings, other
 * arrays as arrays, integers as numbers. And the other way: where a named
 * field ("state.stall") lies in a value, for writing it.
 */
#ifndef KTSTR_PROBE_MAPVAL_H
#define KTSTR_PROBE_MAPVAL_H

#include <stddef.h>
#include <stdint.h>

#include <bpf/btf.h>
#include <jansson.h>

#define MAPVAL_MAX_DEPTH 8	/* nesting decoded; deeper is null */
#define MAPVAL_MAX_ARRAY 64	/* elements shown; a longer array ends in "+N more" */
#define MAPVAL_MAX_SCALARS 4096	/* per value; past it, null and *truncated */

/*
 * The value of BTF type id held in data (len bytes), or NULL when the type
 * is unknown or larger than len. *truncated is set (never cleared) when a
 * cap cut it short.
 */
json_t *mapval_decode(const struct btf *btf, uint32_t id, const void *data, size_t len,
		      int *truncated);

/* Add b's integers into a's (per-CPU values of one shape); other leaves keep a's. */
void mapval_add(json_t *a, const json_t *b);

/*
 * Where the integer at path (names joined by '.', an element as name[N]; in
 * a DATASEC the variable's name first) lies in a value of type id: 0 with
 * *off, *size (1, 2, 4 or 8) and *is_signed, or -1 with err saying why.
 */
int mapval_field(const struct btf *btf, uint32_t id, const char *path, size_t *off,
		 size_t *size, int *is_signed, char *err, size_t errlen);

#endif
