/*
 * ktstr-repro's BPF half: record every call of the traced functions into a
 * ring (an array indexed by a shared counter: writing costs no system call,
 * and only the loader's final read looks at it), and freeze the ring when
 * sched_ext raises an error exit, so that what it holds are the last events
 * before the exit.
 *
 * kp0..kpN are kprobes on kernel functions of the first run's crash path;
 * fe0..feN are fentry programs on the scheduler's struct_ops programs; the
 * loader attaches each to one function and says in funcs[] how to read that
 * function's arguments. The struct_ops programs are BPF_PROG wrappers: their
 * one argument is the array of the callback's arguments.
 *
 * A scheduler's loader is stopped between filling its struct_ops map and
 * attaching it (on_ops_update), so that fentry goes on the callbacks before
 * the scheduler runs: a fault on a timer from its start would otherwise race
 * with the tracer.
 *
 * Kernel structs are read at the offsets in off (repro.h says why); vmlinux.h
 * is here for its types only: a field access through it would be a CO-RE
 * relocation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "repro.h"

char _license[] SEC("license") = "GPL";

const volatile struct repro_func_cfg funcs[REPRO_MAX_FUNCS];
const volatile struct repro_offsets off;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, REPRO_RING);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, u32);
	__type(value, struct repro_event);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, u32);
	__type(value, struct repro_state);
} state SEC(".maps");

static __always_inline struct repro_state *get_state(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&state, &zero);
}

/* size bytes at base + o into dst; zeroes when the kernel has no such field. */
static __always_inline void read_at(void *dst, u32 size, u64 base, u32 o)
{
	if (o == REPRO_NO_FIELD || bpf_probe_read_kernel(dst, size, (void *)(base + o)))
		__builtin_memset(dst, 0, size);
}

static __always_inline void read_task(struct repro_task *t, u64 p)
{
	u64 mask = 0, dsq = 0;

	read_at(&t->pid, sizeof(t->pid), p, off.task_pid);
	if (off.task_comm == REPRO_NO_FIELD ||
	    bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), (void *)(p + off.task_comm)) < 0)
		t->comm[0] = '\0';
	read_at(&t->cpu, sizeof(t->cpu), p, off.task_cpu);
	read_at(&t->scx_flags, sizeof(t->scx_flags), p, off.task_scx_flags);
	read_at(&t->weight, sizeof(t->weight), p, off.task_scx_weight);
	read_at(&t->nr_cpus_allowed, sizeof(t->nr_cpus_allowed), p, off.task_nr_cpus_allowed);
	read_at(&t->slice, sizeof(t->slice), p, off.task_scx_slice);
	read_at(&t->dsq_vtime, sizeof(t->dsq_vtime), p, off.task_scx_dsq_vtime);
	read_at(&mask, sizeof(mask), p, off.task_cpus_ptr);
	t->cpus = 0;
	if (mask)
		read_at(&t->cpus, sizeof(t->cpus), mask, 0);
	t->flags = 0;
	read_at(&dsq, sizeof(dsq), p, off.task_scx_dsq);
	t->dsq_id = 0;
	if (dsq) {
		read_at(&t->dsq_id, sizeof(t->dsq_id), dsq, off.dsq_id);
		t->flags |= REPRO_TASK_HAS_DSQ;
	}
	if (off.task_scx_ddsp_dsq_id != REPRO_NO_FIELD) {
		read_at(&t->ddsp_dsq_id, sizeof(t->ddsp_dsq_id), p, off.task_scx_ddsp_dsq_id);
		read_at(&t->ddsp_enq_flags, sizeof(t->ddsp_enq_flags), p, off.task_scx_ddsp_enq_flags);
		t->flags |= REPRO_TASK_DDSP;
	}
}

/* One event of function fn, whose arguments are in args[0..nargs). */
static __always_inline int record(u32 fn, u64 *args)
{
	const volatile struct repro_func_cfg *cfg;	/* volatile: the loader sets it, not the initializer */
	struct repro_state *st = get_state();
	struct repro_event *e;
	u64 seq;
	u32 slot;
	u8 a;

	if (!st || st->frozen || fn >= REPRO_MAX_FUNCS)
		return 0;
	cfg = &funcs[fn];
	seq = __sync_fetch_and_add(&st->head, 1);
	slot = (u32)seq & (REPRO_RING - 1);
	e = bpf_map_lookup_elem(&ring, &slot);
	if (!e)
		return 0;
	e->seq = 0;	/* a reader skips it until it is whole */
	e->t_ns = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->cur_pid = (s32)bpf_get_current_pid_tgid();
	e->func = (u16)fn;
	e->flags = 0;
	for (int i = 0; i < REPRO_MAX_ARGS; i++)
		e->args[i] = args[i];
	a = cfg->task_arg;
	if (a >= 1 && a <= REPRO_MAX_ARGS && args[a - 1]) {
		read_task(&e->task, args[a - 1]);
		e->flags |= REPRO_EV_TASK_ARG;
	} else {
		read_task(&e->task, bpf_get_current_task());
	}
	a = cfg->rq_arg;
	if (a >= 1 && a <= REPRO_MAX_ARGS && args[a - 1]) {
		read_at(&e->rq_cpu, sizeof(e->rq_cpu), args[a - 1], off.rq_cpu);
		e->flags |= REPRO_EV_RQ;
	}
	a = cfg->mask_arg;
	if (a >= 1 && a <= REPRO_MAX_ARGS && args[a - 1] &&
	    !bpf_probe_read_kernel(&e->mask, sizeof(e->mask), (void *)args[a - 1]))
		e->flags |= REPRO_EV_MASK;
	e->seq = seq + 1;
	return 0;
}

/*
 * A kprobe's context is the x86-64 struct pt_regs, whose layout is ABI:
 * the argument registers di, si, dx, cx, r8, r9 are its words 14, 13, 12, 11, 9, 8.
 */
static __always_inline int on_kprobe(u64 *regs, u32 fn)
{
	u64 args[REPRO_MAX_ARGS] = { regs[14], regs[13], regs[12], regs[11], regs[9], regs[8] };


	return record(fn, args);
}

/* ctx[0] of a struct_ops program is the array of the callback's arguments. */
static __always_inline int on_fentry(u64 *ctx, u32 fn)
{
	u64 args[REPRO_MAX_ARGS] = {};
	u32 n = fn < REPRO_MAX_FUNCS ? funcs[fn].nargs : 0;

	if (n > REPRO_MAX_ARGS)
		n = REPRO_MAX_ARGS;
	if (n && bpf_probe_read_kernel(args, n * sizeof(u64), (void *)ctx[0]))
		return 0;
	return record(fn, args);
}

#define KPROBE(i) \
	SEC("kprobe") int kp##i(void *ctx) { return on_kprobe(ctx, i); }
#define FENTRY(i) \
	SEC("ktstr_fentry") int fe##i(u64 *ctx) { return on_fentry(ctx, REPRO_MAX_KPROBES + i); }

KPROBE(0) KPROBE(1) KPROBE(2) KPROBE(3) KPROBE(4) KPROBE(5) KPROBE(6) KPROBE(7)
KPROBE(8) KPROBE(9) KPROBE(10) KPROBE(11) KPROBE(12) KPROBE(13) KPROBE(14) KPROBE(15)
KPROBE(16) KPROBE(17) KPROBE(18) KPROBE(19) KPROBE(20) KPROBE(21) KPROBE(22) KPROBE(23)

FENTRY(0) FENTRY(1) FENTRY(2) FENTRY(3) FENTRY(4) FENTRY(5) FENTRY(6) FENTRY(7)
FENTRY(8) FENTRY(9) FENTRY(10) FENTRY(11) FENTRY(12) FENTRY(13) FENTRY(14) FENTRY(15)
FENTRY(16) FENTRY(17) FENTRY(18) FENTRY(19) FENTRY(20) FENTRY(21) FENTRY(22) FENTRY(23)
FENTRY(24) FENTRY(25) FENTRY(26) FENTRY(27) FENTRY(28) FENTRY(29) FENTRY(30) FENTRY(31)

/*
 * Every sched_ext exit that is raised (scx_bpf_error, the watchdog's stall,
 * an error of the kernel's own) goes through
 * bool scx_vexit(struct scx_sched *sch, enum scx_exit_kind kind, s64 exit_code,
 *                s32 exit_cpu, const char *fmt, va_list args)
 * in the context that raised it; it returns true for the exit that wins. After
 * it ran, the exit's message is in sch->exit_info->msg.
 */
SEC("fexit/scx_vexit")
int on_exit(u64 *ctx)
{
	struct repro_state *st = get_state();
	struct repro_trigger *t;
	u64 ei = 0, msg = 0;

	if (!st || !(ctx[6] & 0xff) || st->frozen || __sync_lock_test_and_set(&st->frozen, 1))
		return 0;
	t = &st->trigger;
	t->t_ns = bpf_ktime_get_ns();
	t->head = st->head;
	t->pid = (s32)bpf_get_current_pid_tgid();
	t->cpu = bpf_get_smp_processor_id();
	t->kind = (s32)ctx[1];
	t->exit_cpu = (s32)ctx[3];
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	read_at(&ei, sizeof(ei), ctx[0], off.sch_exit_info);
	if (ei)
		read_at(&msg, sizeof(msg), ei, off.exit_info_msg);
	if (!msg || bpf_probe_read_kernel_str(t->msg, sizeof(t->msg), (void *)msg) < 0)
		t->msg[0] = '\0';
	__sync_lock_test_and_set(&st->triggered, 1);
	return 0;
}

#define BPF_F_LINK_FLAG (1U << 13)	/* BPF_F_LINK: a struct_ops map attached by a link */
#define SIGSTOP_NR 19

/*
 * long bpf_struct_ops_map_update_elem(struct bpf_map *map, void *key, void *value, u64 flags):
 * a loader (libbpf's bpf_map__attach_struct_ops) fills a link-based struct_ops
 * map, then creates the link that attaches it. Stop the loader as the update
 * returns; the tracer attaches to the programs now in the map, then lets it go on.
 */
SEC("fexit/bpf_struct_ops_map_update_elem")
int on_ops_update(u64 *ctx)
{
	struct repro_state *st = get_state();
	u32 flags = 0, id = 0;

	if (!st || ctx[4] || st->held_pid)
		return 0;
	read_at(&flags, sizeof(flags), ctx[0], off.map_flags);
	read_at(&id, sizeof(id), ctx[0], off.map_id);
	if (!(flags & BPF_F_LINK_FLAG) || !id)
		return 0;
	st->held_map_id = id;
	bpf_send_signal(SIGSTOP_NR);
	__sync_lock_test_and_set(&st->held_pid, (s32)(bpf_get_current_pid_tgid() >> 32));
	return 0;
}
