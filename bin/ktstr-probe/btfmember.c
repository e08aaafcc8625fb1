/* Members of BTF composites by name (see btfmember.h). */
#include <string.h>

#include "btfmember.h"

int btf_find_member(const struct btf *btf, const struct btf_type *t, const char *name, size_t len,
		    uint32_t *bit_off, uint32_t *type, unsigned *bits)
{
	const struct btf_member *m;

	if (!t || !btf_is_composite(t))
		return -1;
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		int sub;

		if (mn && *mn) {
			if (strlen(mn) != len || memcmp(mn, name, len))
				continue;
			*bit_off = btf_member_bit_offset(t, i);
			*type = m->type;
			*bits = btf_member_bitfield_size(t, i);
			return 0;
		}
		sub = btf__resolve_type(btf, m->type);
		if (sub >= 0 && !btf_find_member(btf, btf__type_by_id(btf, (uint32_t)sub), name, len,
						 bit_off, type, bits)) {
			*bit_off += btf_member_bit_offset(t, i);
			return 0;
		}
	}
	return -1;
}
