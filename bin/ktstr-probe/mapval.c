/* Decoding BPF map values with their BTF (see mapval.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btfmember.h"
#include "mapval.h"

struct decoder {
	const struct btf *btf;
	unsigned scalars;	/* left before the cap */
	int truncated;
};

static json_t *decode(struct decoder *d, uint32_t id, const unsigned char *p, size_t len,
		      unsigned depth);

/* An unsigned little-endian integer of size bytes (at most 8). */
static uint64_t load_uint(const unsigned char *p, size_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size < 8 ? size : 8);
	return v;
}

static json_t *int_json(uint64_t v, size_t size, int is_signed)
{
	char buf[24];

	if (is_signed && size < 8 && (v >> (size * 8 - 1)) & 1)
		v |= ~0ull << (size * 8);	/* sign-extend */
	if (is_signed || v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);	/* past JSON's safe range */
	return json_string(buf);
}

static int take_scalar(struct decoder *d)
{
	if (!d->scalars) {
		d->truncated = 1;
		return 0;
	}
	d->scalars--;
	return 1;
}

static json_t *decode_int(struct decoder *d, const struct btf_type *t, const unsigned char *p)
{
	uint8_t enc = btf_int_encoding(t);
	unsigned bits = btf_int_bits(t), shift = btf_int_offset(t);
	uint64_t v;

	if (!take_scalar(d) || t->size > 8)
		return json_null();
	v = load_uint(p, t->size) >> shift;
	if (bits < 64)
		v &= (1ull << bits) - 1;
	if (enc & BTF_INT_BOOL)
		return json_boolean(v != 0);
	return int_json(v, (bits + 7) / 8 ? (bits + 7) / 8 : 1, (enc & BTF_INT_SIGNED) != 0);
}

static json_t *decode_enum(struct decoder *d, const struct btf_type *t, const unsigned char *p)
{
	uint64_t v;

	if (!take_scalar(d) || t->size > 8)
		return json_null();
	v = load_uint(p, t->size);
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		for (unsigned i = 0; i < btf_vlen(t); i++, e++)
			if ((uint32_t)e->val == (uint32_t)v)
				return json_string(btf__name_by_offset(d->btf, e->name_off));
	} else {
		const struct btf_enum64 *e = btf_enum64(t);

		for (unsigned i = 0; i < btf_vlen(t); i++, e++)
			if (btf_enum64_value(e) == v)
				return json_string(btf__name_by_offset(d->btf, e->name_off));
	}
	return int_json(v, t->size, btf_kflag(t));
}

/* A char array: the bytes up to the first NUL, anything unprintable as '?'. */
static json_t *decode_chars(struct decoder *d, const unsigned char *p, size_t n)
{
	char *s;
	size_t len = 0;
	json_t *j;

	if (!take_scalar(d))
		return json_null();
	s = malloc(n + 1);
	if (!s)
		return json_null();
	while (len < n && p[len]) {
		s[len] = p[len] >= 0x20 && p[len] < 0x7f ? (char)p[len] : '?';
		len++;
	}
	j = json_stringn(s, len);
	free(s);
	return j;
}

static int is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;

	return t && btf_is_int(t) && t->size == 1 && name && !strcmp(name, "char");
}

static json_t *decode_array(struct decoder *d, const struct btf_type *t, const unsigned char *p,
			    size_t len, unsigned depth)
{
	const struct btf_array *a = btf_array(t);
	int elem = btf__resolve_type(d->btf, a->type);
	long long esize = btf__resolve_size(d->btf, a->type);
	json_t *arr;
	unsigned n;

	if (elem < 0 || esize <= 0 || (unsigned long long)esize * a->nelems > len)
		return json_null();
	if (is_char(d->btf, (uint32_t)elem))
		return decode_chars(d, p, a->nelems);
	arr = json_array();
	n = a->nelems < MAPVAL_MAX_ARRAY ? a->nelems : MAPVAL_MAX_ARRAY;
	for (unsigned i = 0; i < n && !d->truncated; i++)
		json_array_append_new(arr, decode(d, (uint32_t)elem, p + (size_t)esize * i,
						  (size_t)esize, depth + 1));
	if (n < a->nelems) {
		char more[32];

		snprintf(more, sizeof(more), "+%u more", a->nelems - n);
		json_array_append_new(arr, json_string(more));
	}
	return arr;
}

/* A bitfield member: bits bits from bit offset bit_off of p. */
static json_t *decode_bits(struct decoder *d, const unsigned char *p, size_t len, uint32_t bit_off,
			   unsigned bits)
{
	size_t first = bit_off / 8, n = (bit_off % 8 + bits + 7) / 8;
	uint64_t v;

	if (first + n > len || n > 8 || !take_scalar(d))
		return json_null();
	v = load_uint(p + first, n) >> (bit_off % 8);
	return json_integer((json_int_t)(v & ((1ull << bits) - 1)));
}

/* A struct or union: its members by name; an anonymous member's own members join them. */
static json_t *decode_composite(struct decoder *d, const struct btf_type *t, const unsigned char *p,
				size_t len, unsigned depth)
{
	const struct btf_member *m = btf_members(t);
	json_t *obj = json_object();

	for (unsigned i = 0; i < btf_vlen(t) && !d->truncated; i++, m++) {
		const char *name = btf__name_by_offset(d->btf, m->name_off);
		uint32_t bit_off = btf_member_bit_offset(t, i);
		unsigned bits = btf_member_bitfield_size(t, i);
		long long msize = btf__resolve_size(d->btf, m->type);
		json_t *v;

		if (bits)
			v = decode_bits(d, p, len, bit_off, bits);
		else if (bit_off % 8 || msize < 0 || bit_off / 8 + (size_t)msize > len)
			continue;
		else
			v = decode(d, m->type, p + bit_off / 8, (size_t)msize, depth + 1);
		if (!v)
			continue;
		if (name && *name)
			json_object_set_new(obj, name, v);
		else {
			if (json_is_object(v))
				json_object_update(obj, v);
			json_decref(v);
		}
	}
	return obj;
}

/* A DATASEC (.bss, .data, .rodata): each global by its name. */
static json_t *decode_datasec(struct decoder *d, const struct btf_type *t, const unsigned char *p,
			      size_t len, unsigned depth)
{
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	json_t *obj = json_object();

	for (unsigned i = 0; i < btf_vlen(t) && !d->truncated; i++, vs++) {
		const struct btf_type *var = btf__type_by_id(d->btf, vs->type);
		json_t *v;

		if (!var || !btf_is_var(var) || (size_t)vs->offset + vs->size > len)
			continue;
		v = decode(d, var->type, p + vs->offset, vs->size, depth + 1);
		if (v)
			json_object_set_new(obj, btf__name_by_offset(d->btf, var->name_off), v);
	}
	return obj;
}

static json_t *decode(struct decoder *d, uint32_t id, const unsigned char *p, size_t len,
		      unsigned depth)
{
	int rid = btf__resolve_type(d->btf, id);
	const struct btf_type *t = rid >= 0 ? btf__type_by_id(d->btf, (uint32_t)rid) : NULL;

	if (!t)
		return NULL;
	if (depth > MAPVAL_MAX_DEPTH) {
		d->truncated = 1;
		return json_null();
	}
	if (btf_is_datasec(t))
		return decode_datasec(d, t, p, len, depth);
	if (btf_is_var(t))
		return decode(d, t->type, p, len, depth);
	if (btf_is_composite(t))
		return t->size <= len ? decode_composite(d, t, p, len, depth) : NULL;
	if (btf_is_array(t))
		return decode_array(d, t, p, len, depth);
	if (btf_is_int(t))
		return t->size <= len ? decode_int(d, t, p) : NULL;
	if (btf_is_any_enum(t))
		return t->size <= len ? decode_enum(d, t, p) : NULL;
	if (btf_is_ptr(t))
		return len >= 8 && take_scalar(d) ? json_integer((json_int_t)load_uint(p, 8)) : json_null();
	return json_null();	/* floats, functions: nothing a scheduler keeps in a map to show */
}

json_t *mapval_decode(const struct btf *btf, uint32_t id, const void *data, size_t len,
		      int *truncated)
{
	struct decoder d = { btf, MAPVAL_MAX_SCALARS, 0 };
	json_t *v = decode(&d, id, data, len, 0);

	if (truncated && d.truncated)
		*truncated = 1;
	return v;
}

void mapval_add(json_t *a, const json_t *b)
{
	const char *key;
	json_t *va;
	size_t i;

	if (json_is_integer(a) && json_is_integer(b)) {
		json_integer_set(a, json_integer_value(a) + json_integer_value(b));
	} else if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach(a, key, va)
			mapval_add(va, json_object_get(b, key));
	} else if (json_is_array(a) && json_is_array(b)) {
		json_array_foreach(a, i, va)
			mapval_add(va, json_array_get(b, i));
	}
}

/* One step of a path: the named part of t (a DATASEC's variable or a member). */
static int field_step(const struct btf *btf, const struct btf_type *t, const char *name, size_t len,
		      size_t *off, uint32_t *type, char *err, size_t errlen)
{
	if (btf_is_datasec(t)) {
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);

		for (unsigned i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);
			const char *vn = var ? btf__name_by_offset(btf, var->name_off) : NULL;

			if (vn && strlen(vn) == len && !memcmp(vn, name, len)) {
				*off += vs->offset;
				*type = var->type;
				return 0;
			}
		}
	} else if (btf_is_composite(t)) {
		uint32_t bit_off;
		unsigned bits;

		if (!btf_find_member(btf, t, name, len, &bit_off, type, &bits)) {
			if (bits || bit_off % 8) {
				snprintf(err, errlen, "'%.*s' is a bitfield", (int)len, name);
				return -1;
			}
			*off += bit_off / 8;
			return 0;
		}
	} else {
		snprintf(err, errlen, "'%.*s': not in a struct", (int)len, name);
		return -1;
	}
	snprintf(err, errlen, "no field '%.*s'", (int)len, name);
	return -1;
}

/* An element index "[N]" at *path into array t: 0 and the element type. */
static int index_step(const struct btf *btf, const struct btf_type *t, const char **path,
		      size_t *off, uint32_t *type, char *err, size_t errlen)
{
	char *end;
	unsigned long idx = strtoul(*path + 1, &end, 10);
	long long esize;

	if (!btf_is_array(t) || end == *path + 1 || *end != ']') {
		snprintf(err, errlen, "bad index '%s'", *path);
		return -1;
	}
	if (idx >= btf_array(t)->nelems) {
		snprintf(err, errlen, "index %lu past the array's %u elements", idx, btf_array(t)->nelems);
		return -1;
	}
	esize = btf__resolve_size(btf, btf_array(t)->type);
	if (esize <= 0) {
		snprintf(err, errlen, "array of unknown size");
		return -1;
	}
	*off += (size_t)esize * idx;
	*type = btf_array(t)->type;
	*path = end + 1;
	return 0;
}

int mapval_field(const struct btf *btf, uint32_t id, const char *path, size_t *off,
		 size_t *size, int *is_signed, char *err, size_t errlen)
{
	uint32_t type = id;
	const struct btf_type *t;
	int rid;

	*off = 0;
	while (*path) {
		size_t len = strcspn(path, ".[");

		rid = btf__resolve_type(btf, type);
		if (rid < 0 || !(t = btf__type_by_id(btf, (uint32_t)rid))) {
			snprintf(err, errlen, "unknown BTF type %u", type);
			return -1;
		}
		if (len && field_step(btf, t, path, len, off, &type, err, errlen))
			return -1;
		path += len;
		while (*path == '[') {
			rid = btf__resolve_type(btf, type);
			if (rid < 0 || index_step(btf, btf__type_by_id(btf, (uint32_t)rid), &path, off,
						  &type, err, errlen))
				return -1;
		}
		if (*path == '.')
			path++;
	}
	rid = btf__resolve_type(btf, type);
	t = rid >= 0 ? btf__type_by_id(btf, (uint32_t)rid) : NULL;
	if (!t || !(btf_is_int(t) || btf_is_any_enum(t)) ||
	    (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)) {
		snprintf(err, errlen, "not an integer of 1, 2, 4 or 8 bytes");
		return -1;
	}
	*size = t->size;
	*is_signed = btf_is_int(t) ? (btf_int_encoding(t) & BTF_INT_SIGNED) != 0 : btf_kflag(t);
	return 0;
}
