/* The scheduler's BPF maps in guest memory (see maps.h). */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "idr.h"
#include "maps.h"

#define ROUND8(x) (((x) + 7u) & ~(size_t)7)

int maps_supported(const struct kernel_info *ki)
{
	const uint64_t need[] = { ki->map_type, ki->map_key_size, ki->map_value_size,
				  ki->map_max_entries, ki->map_id, ki->map_name, ki->map_btf,
				  ki->map_btf_key_type_id, ki->map_btf_value_type_id,
				  ki->aux_used_maps, ki->aux_used_map_cnt, ki->prog_type, ki->prog_aux };

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i] == OFF_NONE)
			return 0;
	return ki->prog_type_struct_ops >= 0 && ki->map_idr && ki->prog_idr;
}

const char *maps_type_name(const struct kernel_info *ki, uint32_t type)
{
	return type < KERNEL_MAX_MAP_TYPES && ki->map_type_name[type][0] ? ki->map_type_name[type]
									  : "unknown";
}

static void snap_clear(struct map_snap *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

void map_set_free(struct map_set *set)
{
	for (unsigned i = 0; i < set->n; i++)
		snap_clear(&set->m[i]);
	set->n = 0;
}

void map_set_copy(struct map_set *dst, const struct map_set *src)
{
	map_set_free(dst);
	for (unsigned i = 0; i < src->n; i++) {
		dst->m[i] = src->m[i];
		if (src->m[i].data) {
			dst->m[i].data = xmalloc(src->m[i].len ? src->m[i].len : 1);
			memcpy(dst->m[i].data, src->m[i].data, src->m[i].len);
		}
	}
	dst->n = src->n;
}

/* struct bpf_map's header fields at addr: 0, or -1. */
static int read_header(const struct guestmem *gm, const struct kernel_info *ki, uint64_t addr,
		       struct map_snap *m)
{
	size_t nlen = ki->map_name_len < sizeof(m->name) ? ki->map_name_len : sizeof(m->name) - 1;
	int ok = 1;

	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->type = guestmem_u32(gm, addr + ki->map_type, &ok);
	m->key_size = guestmem_u32(gm, addr + ki->map_key_size, &ok);
	m->value_size = guestmem_u32(gm, addr + ki->map_value_size, &ok);
	m->max_entries = guestmem_u32(gm, addr + ki->map_max_entries, &ok);
	m->id = guestmem_u32(gm, addr + ki->map_id, &ok);
	m->btf_addr = guestmem_u64(gm, addr + ki->map_btf, &ok);
	m->key_type_id = guestmem_u32(gm, addr + ki->map_btf_key_type_id, &ok);
	m->value_type_id = guestmem_u32(gm, addr + ki->map_btf_value_type_id, &ok);
	if (!ok || guestmem_read(gm, addr + ki->map_name, m->name, nlen))
		return -1;
	m->name[nlen] = '\0';
	return 0;
}

/* Room for n values of size bytes, capped: the count that fits. */
static unsigned fit(struct map_snap *m, unsigned n, size_t size)
{
	if (!size)
		return 0;
	if (n > MAPS_MAX_ENTRIES) {
		n = MAPS_MAX_ENTRIES;
		m->truncated = 1;
	}
	if ((size_t)n * size > MAPS_MAX_BYTES) {
		n = (unsigned)(MAPS_MAX_BYTES / size);
		m->truncated = 1;
	}
	return n;
}

static int read_array(const struct guestmem *gm, const struct kernel_info *ki, struct map_snap *m)
{
	size_t esize = ROUND8(m->value_size);
	unsigned n = fit(m, m->max_entries, m->value_size);

	if (ki->array_value == OFF_NONE)
		return -1;
	m->data = xmalloc((size_t)n * m->value_size + 1);
	for (unsigned i = 0; i < n; i++)
		if (guestmem_read_span(gm, m->addr + ki->array_value + esize * i,
				       m->data + (size_t)m->value_size * i, m->value_size))
			return -1;
	m->n = n;
	m->len = (size_t)n * m->value_size;
	return 0;
}

/* Per-CPU values at the per-CPU pointer pcpu, one after another into out. */
static int read_percpu(const struct guestmem *gm, const struct kernel_info *ki, uint64_t pcpu,
		       unsigned ncpus, size_t size, unsigned char *out)
{
	int ok = 1;

	for (unsigned c = 0; c < ncpus; c++) {
		uint64_t off = guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok);

		if (!ok || guestmem_read_span(gm, pcpu + off, out + size * c, size))
			return -1;
	}
	return 0;
}

static int read_percpu_array(const struct guestmem *gm, const struct kernel_info *ki,
			     struct map_snap *m, unsigned ncpus)
{
	unsigned n = fit(m, m->max_entries, (size_t)m->value_size * ncpus);
	int ok = 1;

	if (ki->array_pptrs == OFF_NONE)
		return -1;
	m->ncpus = ncpus;
	m->data = xmalloc((size_t)n * m->value_size * ncpus + 1);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pcpu = guestmem_u64(gm, m->addr + ki->array_pptrs + 8ull * i, &ok);

		if (!ok || read_percpu(gm, ki, pcpu, ncpus, m->value_size,
				       m->data + (size_t)m->value_size * ncpus * i))
			return -1;
	}
	m->n = n;
	m->len = (size_t)n * m->value_size * ncpus;
	return 0;
}

/* One hash element at elem into slot (key padded to 8, then the value or per-CPU values). */
static int read_elem(const struct guestmem *gm, const struct kernel_info *ki, struct map_snap *m,
		     uint64_t elem, int percpu, unsigned char *slot)
{
	uint64_t key = elem + ki->htab_elem_key, value = key + ROUND8(m->key_size);
	size_t klen = ROUND8(m->key_size);
	int ok = 1;

	if (guestmem_read_span(gm, key, slot, m->key_size))
		return -1;
	memset(slot + m->key_size, 0, klen - m->key_size);
	if (!percpu)
		return guestmem_read_span(gm, value, slot + klen, m->value_size);
	value = guestmem_u64(gm, value, &ok);
	return ok ? read_percpu(gm, ki, value, m->ncpus, m->value_size, slot + klen) : -1;
}

/* Hash buckets read a page's worth at a time: each bucket alone costs a page-table walk. */
struct bucket_chunk {
	unsigned first, n;	/* the buckets it covers */
	unsigned got;		/* of which read (n, or 0: read them one by one) */
	unsigned char buf[4096];
};

static void read_buckets(const struct guestmem *gm, const struct kernel_info *ki, uint64_t buckets,
			 unsigned first, unsigned nb, struct bucket_chunk *c)
{
	size_t per = sizeof(c->buf) / ki->htab_bucket_size;

	c->first = first;
	c->n = nb - first < per ? nb - first : (unsigned)per;
	c->got = guestmem_read_span(gm, buckets + ki->htab_bucket_size * first, c->buf,
				    ki->htab_bucket_size * c->n) ? 0 : c->n;
}

/*
 * The kernel counts a hash map's elements per CPU (insertions less
 * deletions, in bpf_map.elem_count): none in all means there is nothing
 * to find in its buckets. False when it does not count them.
 */
static int hash_empty(const struct guestmem *gm, const struct kernel_info *ki, const struct map_snap *m,
		      unsigned ncpus)
{
	int64_t sum = 0;
	uint64_t pcpu;
	int ok = 1;

	if (ki->map_elem_count == OFF_NONE ||
	    !(pcpu = guestmem_u64(gm, m->addr + ki->map_elem_count, &ok)) || !ok)
		return 0;
	for (unsigned c = 0; ok && c < ncpus; c++)
		sum += (int64_t)guestmem_u64(gm, pcpu + guestmem_u64(gm, ki->per_cpu_offset + 8ull * c, &ok),
					     &ok);
	return ok && sum == 0;
}

/* The elements of a hash map, bucket by bucket, up to the caps. */
static int read_hash(const struct guestmem *gm, const struct kernel_info *ki, struct map_snap *m,
		     unsigned ncpus, int percpu)
{
	struct bucket_chunk chunk = { 0 };
	size_t slot;
	unsigned cap, nb;
	uint64_t buckets;
	int ok = 1;

	if (ki->htab_buckets == OFF_NONE || ki->htab_n_buckets == OFF_NONE ||
	    ki->htab_elem_key == OFF_NONE || !ki->htab_bucket_size)
		return -1;
	m->ncpus = percpu ? ncpus : 0;
	slot = ROUND8(m->key_size) + (size_t)m->value_size * (percpu ? ncpus : 1);
	cap = fit(m, m->max_entries, slot);
	m->truncated = 0;	/* only if elements are left behind (below) */
	buckets = guestmem_u64(gm, m->addr + ki->htab_buckets, &ok);
	nb = guestmem_u32(gm, m->addr + ki->htab_n_buckets, &ok);
	if (!ok)
		return -1;
	if (hash_empty(gm, ki, m, ncpus))
		nb = 0;		/* (its buckets would be pages of nothing) */
	m->data = xmalloc(nb ? (size_t)cap * slot + 1 : 1);
	for (unsigned b = 0; b < nb && m->n < cap; b++) {
		uint64_t node;
		unsigned chain = 0;

		if (b == chunk.first + chunk.n)
			read_buckets(gm, ki, buckets, b, nb, &chunk);
		if (b < chunk.first + chunk.got)	/* (first in struct bucket) */
			memcpy(&node, chunk.buf + ki->htab_bucket_size * (b - chunk.first), sizeof(node));
		else
			node = guestmem_u64(gm, buckets + ki->htab_bucket_size * b, &ok);

		/* a nulls list ends in a marker with bit 0 set; a chain past cap is garbage */
		while (ok && node && !(node & 1) && m->n < cap && chain++ < MAPS_MAX_ENTRIES) {
			if (read_elem(gm, ki, m, node, percpu, m->data + slot * m->n))
				return -1;
			m->n++;
			node = guestmem_u64(gm, node, &ok);	/* hash_node.next, first in htab_elem */
		}
		if (!ok)
			return -1;
	}
	if (m->n == cap && cap < m->max_entries)
		m->truncated = 1;	/* maybe more: not counted */
	m->len = slot * m->n;
	return 0;
}

/* The map's values into m->data, for the kinds that are read; others keep data NULL. */
static void read_values(const struct guestmem *gm, const struct kernel_info *ki, struct map_snap *m,
			unsigned ncpus)
{
	int rc = 0;

	switch (m->type) {
	case MAP_ARRAY: rc = read_array(gm, ki, m); break;
	case MAP_PERCPU_ARRAY: rc = read_percpu_array(gm, ki, m, ncpus); break;
	case MAP_HASH: case MAP_LRU_HASH: rc = read_hash(gm, ki, m, ncpus, 0); break;
	case MAP_PERCPU_HASH: case MAP_LRU_PERCPU_HASH: rc = read_hash(gm, ki, m, ncpus, 1); break;
	default: return;
	}
	if (rc) {	/* not mapped (yet, or any more): listed without values */
		free(m->data);
		m->data = NULL;
		m->len = 0;
		m->n = 0;
	}
}

struct find_walk {
	const struct guestmem *gm;
	const struct kernel_info *ki;
	uint64_t addrs[MAPS_MAX];
	unsigned n;
};

/* A struct_ops program: the maps it uses, each once. */
static void add_prog_maps(void *ctx, uint64_t prog)
{
	struct find_walk *w = ctx;
	const struct kernel_info *ki = w->ki;
	uint64_t aux, used;
	uint32_t cnt;
	int ok = 1;

	if (guestmem_u32(w->gm, prog + ki->prog_type, &ok) != (uint32_t)ki->prog_type_struct_ops || !ok)
		return;
	aux = guestmem_u64(w->gm, prog + ki->prog_aux, &ok);
	cnt = guestmem_u32(w->gm, aux + ki->aux_used_map_cnt, &ok);
	used = guestmem_u64(w->gm, aux + ki->aux_used_maps, &ok);
	for (uint32_t i = 0; ok && i < cnt && i < 4096; i++) {
		uint64_t map = guestmem_u64(w->gm, used + 8ull * i, &ok);
		unsigned j;

		for (j = 0; j < w->n && w->addrs[j] != map; j++)
			;
		if (ok && map && j == w->n && w->n < MAPS_MAX)
			w->addrs[w->n++] = map;
	}
}

int maps_find(const struct guestmem *gm, const struct kernel_info *ki, unsigned ncpus,
	      struct map_set *set)
{
	struct find_walk w = { .gm = gm, .ki = ki };

	map_set_free(set);
	if (!maps_supported(ki) || idr_walk(gm, ki, ki->prog_idr, add_prog_maps, &w) < 0)
		return -1;
	for (unsigned i = 0; i < w.n; i++) {
		struct map_snap *m = &set->m[set->n];

		if (read_header(gm, ki, w.addrs[i], m))
			continue;
		read_values(gm, ki, m, ncpus);
		set->n++;
	}
	return (int)set->n;
}

struct live_walk {
	const struct map_set *set;
	unsigned found;
};

static void count_live(void *ctx, uint64_t map)
{
	struct live_walk *w = ctx;

	for (unsigned i = 0; i < w->set->n; i++)
		if (w->set->m[i].addr == map)
			w->found++;
}

int maps_reread(const struct guestmem *gm, const struct kernel_info *ki, unsigned ncpus,
		struct map_set *set)
{
	struct live_walk w = { set, 0 };
	struct map_set *fresh;

	if (!set->n || idr_walk(gm, ki, ki->map_idr, count_live, &w) < 0 || w.found != set->n)
		return -1;
	fresh = xcalloc(1, sizeof(*fresh));
	for (unsigned i = 0; i < set->n; i++) {
		struct map_snap *m = &fresh->m[i];

		fresh->n = i;
		if (read_header(gm, ki, set->m[i].addr, m) || m->id != set->m[i].id ||
		    m->type != set->m[i].type) {
			map_set_free(fresh);
			free(fresh);
			return -1;
		}
		read_values(gm, ki, m, ncpus);
	}
	fresh->n = set->n;
	map_set_free(set);
	*set = *fresh;
	free(fresh);
	return 0;
}

uint64_t maps_array_value(const struct kernel_info *ki, const struct map_snap *m, uint32_t key)
{
	if (m->type != MAP_ARRAY || key >= m->max_entries || ki->array_value == OFF_NONE)
		return 0;
	return m->addr + ki->array_value + ROUND8(m->value_size) * key;
}

struct btf *maps_read_btf(const struct guestmem *gm, const struct kernel_info *ki, uint64_t btf_addr)
{
	uint64_t data;
	uint32_t size;
	unsigned char *blob;
	struct btf *btf;
	int ok = 1;

	if (!btf_addr || ki->btf_data == OFF_NONE || ki->btf_data_size == OFF_NONE)
		return NULL;
	data = guestmem_u64(gm, btf_addr + ki->btf_data, &ok);
	size = guestmem_u32(gm, btf_addr + ki->btf_data_size, &ok);
	if (!ok || !data || !size || size > MAPS_MAX_BTF)
		return NULL;
	blob = xmalloc(size);
	btf = guestmem_read_span(gm, data, blob, size) ? NULL : btf__new(blob, size);
	free(blob);
	return btf;	/* NULL when libbpf finds the blob malformed */
}
