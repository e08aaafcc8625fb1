/* Finding a member by name in a BTF struct or union (the kernel's, or a BPF program's). */
#ifndef KTSTR_PROBE_BTFMEMBER_H
#define KTSTR_PROBE_BTFMEMBER_H

#include <stddef.h>
#include <stdint.h>

#include <bpf/btf.h>

/*
 * Member name (len bytes, not NUL-terminated) of composite t, looking into
 * anonymous members: 0 with its bit offset, type id and bitfield size (0:
 * not a bitfield), or -1.
 */
int btf_find_member(const struct btf *btf, const struct btf_type *t, const char *name, size_t len,
		    uint32_t *bit_off, uint32_t *type, unsigned *bits);

#endif
