/*
 * Values decoded by the names the running kernel gives them in its BTF
 * (enum scx_enq_flags, scx_dsq_id_flags, ...): the bit values move between
 * kernel versions (SCX_ENQ_HEAD was 1 << 4 and is 1 << 16 on 7.2).
 */
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

#include "tracer.h"

struct enum_val {
	const char *name;
	uint64_t val;
};

/* Member i of enum t (ENUM or ENUM64). */
static struct enum_val enum_member(const struct btf *btf, const struct btf_type *t, unsigned i)
{
	if (btf_is_enum64(t)) {
		const struct btf_enum64 *e = btf_enum64(t) + i;

		return (struct enum_val){ btf__name_by_offset(btf, e->name_off), btf_enum64_value(e) };
	}
	return (struct enum_val){ btf__name_by_offset(btf, btf_enum(t)[i].name_off),
				  (uint32_t)btf_enum(t)[i].val };
}

static const struct btf_type *find_enum(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);

	if (id <= 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	return id > 0 ? btf__type_by_id(btf, id) : NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Names that are not flag values: sizes, shifts, masks, internals. */
static bool not_a_flag(const char *name)
{
	return !strncmp(name, "__", 2) || ends_with(name, "_SHIFT") || ends_with(name, "_BITS") ||
	       ends_with(name, "_MASK");
}

static void append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s", used ? "|" : "", s);
}

static void append_rest(char *buf, size_t len, uint64_t rest)
{
	char hex[24];

	if (rest) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)rest);
		append(buf, len, hex);
	}
	if (!buf[0])
		snprintf(buf, len, "0");
}

static const char *strip(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) ? name + n : name;
}

void decode_bits(const struct btf *vmlinux, const char *ename, const char *prefix, uint64_t v,
		 char *buf, size_t len)
{
	const struct btf_type *t = vmlinux ? find_enum(vmlinux, ename) : NULL;
	uint64_t rest = v;

	buf[0] = '\0';
	for (unsigned i = 0; t && i < btf_vlen(t); i++) {
		struct enum_val m = enum_member(vmlinux, t, i);

		if (not_a_flag(m.name) || !m.val || (m.val & (m.val - 1)) || !(rest & m.val))
			continue;
		append(buf, len, strip(m.name, prefix));
		rest &= ~m.val;
	}
	append_rest(buf, len, rest);
}

/*
 * enum scx_ent_flags holds single-bit flags and, after each X_MASK member,
 * the values of a field (the task's state: NONE, INIT, READY, ENABLED, ...).
 */
void decode_scx_flags(const struct btf *vmlinux, uint32_t flags, char *buf, size_t len)
{
	const struct btf_type *t = vmlinux ? find_enum(vmlinux, "scx_ent_flags") : NULL;
	uint64_t rest = flags, masks = 0, mask = 0;

	buf[0] = '\0';
	for (unsigned i = 0; t && i < btf_vlen(t); i++) {
		struct enum_val m = enum_member(vmlinux, t, i);

		if (ends_with(m.name, "_MASK") && strncmp(m.name, "__", 2)) {
			mask = (uint32_t)m.val;
			masks |= mask;
			continue;
		}
		if (ends_with(m.name, "_SHIFT") || ends_with(m.name, "_BITS") || (m.val & ~mask))
			mask = 0;	/* the field's values end here */
		if (mask) {
			if (m.val && (flags & mask) == m.val) {
				append(buf, len, strip(m.name, "SCX_TASK_"));
				rest &= ~mask;
			} else if (!(flags & mask)) {
				rest &= ~mask;	/* a field at 0 says nothing */
			}
			continue;
		}
		if (not_a_flag(m.name) || !m.val || (m.val & (m.val - 1)) || (m.val & masks) ||
		    !(rest & m.val))
			continue;
		append(buf, len, strip(m.name, "SCX_TASK_"));
		rest &= ~m.val;
	}
	append_rest(buf, len, rest);
}

/* The value of enum scx_dsq_id_flags member name, or 0. */
static uint64_t dsq_const(const struct btf *vmlinux, const char *name)
{
	const struct btf_type *t = vmlinux ? find_enum(vmlinux, "scx_dsq_id_flags") : NULL;

	for (unsigned i = 0; t && i < btf_vlen(t); i++) {
		struct enum_val m = enum_member(vmlinux, t, i);

		if (!strcmp(m.name, name))
			return m.val;
	}
	return 0;
}

void decode_dsq(const struct btf *vmlinux, uint64_t id, char *buf, size_t len)
{
	static const char *const builtin[] = { "SCX_DSQ_INVALID", "SCX_DSQ_GLOBAL", "SCX_DSQ_LOCAL",
					       "SCX_DSQ_BYPASS" };
	uint64_t local_on = dsq_const(vmlinux, "SCX_DSQ_LOCAL_ON");
	uint64_t flag = dsq_const(vmlinux, "SCX_DSQ_FLAG_BUILTIN");
	uint64_t cpu_mask = dsq_const(vmlinux, "SCX_DSQ_LOCAL_CPU_MASK");

	if (local_on && (id & local_on) == local_on) {
		snprintf(buf, len, "LOCAL_ON|%llu", (unsigned long long)(id & cpu_mask));
		return;
	}
	for (size_t i = 0; flag && i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		uint64_t v = dsq_const(vmlinux, builtin[i]);

		if (v && v == id) {
			snprintf(buf, len, "%s", builtin[i] + strlen("SCX_DSQ_"));
			return;
		}
	}
	if (flag && (id & flag))
		snprintf(buf, len, "BUILTIN(0x%llx)", (unsigned long long)(id & ~flag));
	else
		snprintf(buf, len, "DSQ(0x%llx)", (unsigned long long)id);
}

void decode_exit_kind(const struct btf *vmlinux, int kind, char *buf, size_t len)
{
	const struct btf_type *t = vmlinux ? find_enum(vmlinux, "scx_exit_kind") : NULL;

	for (unsigned i = 0; t && i < btf_vlen(t); i++) {
		struct enum_val m = enum_member(vmlinux, t, i);

		if ((int64_t)m.val == kind) {
			snprintf(buf, len, "%s", strip(m.name, "SCX_EXIT_"));
			return;
		}
	}
	snprintf(buf, len, "UNKNOWN");
}

void decode_cpus(uint64_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < 64 && used + 1 < len; c++) {
		int end = c;

		if (!(mask >> c & 1))
			continue;
		while (end < 63 && (mask >> (end + 1) & 1))
			end++;
		used += (size_t)snprintf(buf + used, len - used, end > c ? "%s%d-%d" : "%s%d",
					 used ? "," : "", c, end);
		c = end;
	}
	if (used >= len)
		buf[len - 1] = '\0';
}
