/*
 * The attached scheduler's BPF maps, read from guest memory: the maps its
 * struct_ops programs use (bpf_prog_aux.used_maps: whatever its loader
 * named them), their layout and raw values, and the BTF blob that
 * describes them. Arrays, per-CPU arrays and hashes are read; other kinds
 * are listed without values.
 */
#ifndef KTSTR_PROBE_MAPS_H
#define KTSTR_PROBE_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include <bpf/btf.h>

#include "guestmem.h"
#include "kernel.h"

/* enum bpf_map_type: stable UAPI values */
#define MAP_HASH 1
#define MAP_ARRAY 2
#define MAP_PERCPU_HASH 5
#define MAP_PERCPU_ARRAY 6
#define MAP_LRU_HASH 9
#define MAP_LRU_PERCPU_HASH 10

#define MAPS_MAX 64			/* maps per scheduler */
#define MAPS_MAX_BYTES (64u << 10)	/* raw values read per map */
#define MAPS_MAX_ENTRIES 1024		/* entries read per map */
#define MAPS_MAX_BTF (16u << 20)	/* a larger BTF blob is not copied */

struct map_snap {
	uint64_t addr, btf_addr;
	uint32_t id, type, key_size, value_size, max_entries, key_type_id, value_type_id;
	char name[16];
	/*
	 * ARRAY: n values; PERCPU_ARRAY: n times ncpus values; HASH: n
	 * (key, value) pairs, the key padded to 8 bytes. NULL: not read.
	 */
	unsigned char *data;
	size_t len;
	unsigned n, ncpus;
	int truncated;		/* a cap cut the values short */
};

struct map_set {
	struct map_snap m[MAPS_MAX];
	unsigned n;
};

/* Can this kernel's maps be found and read (its BTF had what it takes)? */
int maps_supported(const struct kernel_info *ki);

/*
 * The maps of every struct_ops program now, with their values: the number
 * found (0: none), or -1 when the programs cannot be read. Frees what set held.
 */
int maps_find(const struct guestmem *gm, const struct kernel_info *ki, unsigned ncpus,
	      struct map_set *set);

/*
 * Read set's maps again where they were, if each is still in the kernel's
 * map_idr under its id (the scheduler has detached, its maps live on until
 * the loader lets go): 0, or -1 (set unchanged).
 */
int maps_reread(const struct guestmem *gm, const struct kernel_info *ki, unsigned ncpus,
		struct map_set *set);

void map_set_free(struct map_set *set);
/* A deep copy of src into dst (dst's old values freed). */
void map_set_copy(struct map_set *dst, const struct map_set *src);

/* Address of an ARRAY map's value for key, or 0. */
uint64_t maps_array_value(const struct kernel_info *ki, const struct map_snap *m, uint32_t key);

/* The map's BTF, copied from the guest and parsed (btf__free it), or NULL. */
struct btf *maps_read_btf(const struct guestmem *gm, const struct kernel_info *ki, uint64_t btf_addr);

/* The kernel's name of a map type ("array", "percpu_array", ...). */
const char *maps_type_name(const struct kernel_info *ki, uint32_t type);

#endif
