/* The offsets of the kernel fields the BPF side reads (repro.h), from the kernel's BTF. */
#include <string.h>
#include <bpf/btf.h>

#include "btfmember.h"
#include "tracer.h"

/*
 * Byte offset of path ("scx.flags": members, through anonymous ones) in
 * struct sname, if the field is size bytes; else REPRO_NO_FIELD.
 */
static __u32 field_off(const struct btf *btf, const char *sname, const char *path, unsigned size)
{
	int id = btf ? btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	uint32_t total = 0, bit_off, type = 0;
	unsigned bits;

	while (t && *path) {
		size_t len = strcspn(path, ".");

		if (btf_find_member(btf, t, path, len, &bit_off, &type, &bits) < 0 || bits || bit_off % 8)
			return REPRO_NO_FIELD;
		total += bit_off / 8;
		path += len + (path[len] == '.');
		id = btf__resolve_type(btf, type);
		t = id >= 0 ? btf__type_by_id(btf, id) : NULL;
	}
	if (!t || *path || btf__resolve_size(btf, type) != size)
		return REPRO_NO_FIELD;
	return total;
}

void offsets_of(const struct btf *vmlinux, struct repro_offsets *o)
{
	o->task_pid = field_off(vmlinux, "task_struct", "pid", 4);
	o->task_comm = field_off(vmlinux, "task_struct", "comm", REPRO_COMM_LEN);
	o->task_cpu = field_off(vmlinux, "task_struct", "thread_info.cpu", 4);
	o->task_nr_cpus_allowed = field_off(vmlinux, "task_struct", "nr_cpus_allowed", 4);
	o->task_cpus_ptr = field_off(vmlinux, "task_struct", "cpus_ptr", 8);
	o->task_scx_flags = field_off(vmlinux, "task_struct", "scx.flags", 4);
	o->task_scx_weight = field_off(vmlinux, "task_struct", "scx.weight", 4);
	o->task_scx_slice = field_off(vmlinux, "task_struct", "scx.slice", 8);
	o->task_scx_dsq_vtime = field_off(vmlinux, "task_struct", "scx.dsq_vtime", 8);
	o->task_scx_dsq = field_off(vmlinux, "task_struct", "scx.dsq", 8);
	o->task_scx_ddsp_dsq_id = field_off(vmlinux, "task_struct", "scx.ddsp_dsq_id", 8);
	o->task_scx_ddsp_enq_flags = field_off(vmlinux, "task_struct", "scx.ddsp_enq_flags", 8);
	if (o->task_scx_ddsp_enq_flags == REPRO_NO_FIELD)
		o->task_scx_ddsp_dsq_id = REPRO_NO_FIELD;	/* both or neither */
	o->dsq_id = field_off(vmlinux, "scx_dispatch_q", "id", 8);
	o->rq_cpu = field_off(vmlinux, "rq", "cpu", 4);
	o->sch_exit_info = field_off(vmlinux, "scx_sched", "exit_info", 8);
	o->exit_info_msg = field_off(vmlinux, "scx_exit_info", "msg", 8);
	o->map_id = field_off(vmlinux, "bpf_map", "id", 4);
	o->map_flags = field_off(vmlinux, "bpf_map", "map_flags", 4);
}
