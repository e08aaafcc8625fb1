/*
 * What the sched_ext tools' headers give a scheduler, for kernels from 6.12
 * on: scx_bpf_error() and the task field setters, each on the kfunc the
 * running kernel has.
 */
#ifndef KTSTR_COMPAT_BPF_H
#define KTSTR_COMPAT_BPF_H

/*
 * The kfuncs every kernel from 6.12 on has, declared here: vmlinux.h holds
 * kfunc prototypes only when the kernel's BTF was made by pahole >= 1.25
 * (its decl tags), which a 6.12 built on Debian bookworm's pahole lacks. They
 * carry names of their own so that they never clash with vmlinux.h's;
 * libbpf drops the ___ktstr suffix when it resolves them.
 */
u32 bpf_cpumask_first___ktstr(const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_test_cpu___ktstr(u32 cpu, const struct cpumask *cpumask) __ksym;
s32 scx_bpf_create_dsq___ktstr(u64 dsq_id, s32 node) __ksym;
s32 scx_bpf_dsq_nr_queued___ktstr(u64 dsq_id) __ksym;
void scx_bpf_error_bstr___ktstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;
void scx_bpf_kick_cpu___ktstr(s32 cpu, u64 flags) __ksym;
s32 scx_bpf_pick_idle_cpu___ktstr(const struct cpumask *cpus_allowed, u64 flags) __ksym;
s32 scx_bpf_select_cpu_dfl___ktstr(struct task_struct *p, s32 prev_cpu, u64 wake_flags,
				   bool *is_idle) __ksym;
s32 scx_bpf_task_cpu___ktstr(const struct task_struct *p) __ksym;
bool scx_bpf_test_and_clear_cpu_idle___ktstr(s32 cpu) __ksym;

#define bpf_cpumask_first bpf_cpumask_first___ktstr
#define bpf_cpumask_test_cpu bpf_cpumask_test_cpu___ktstr
#define scx_bpf_create_dsq scx_bpf_create_dsq___ktstr
#define scx_bpf_dsq_nr_queued scx_bpf_dsq_nr_queued___ktstr
#define scx_bpf_error_bstr scx_bpf_error_bstr___ktstr
#define scx_bpf_kick_cpu scx_bpf_kick_cpu___ktstr
#define scx_bpf_pick_idle_cpu scx_bpf_pick_idle_cpu___ktstr
#define scx_bpf_select_cpu_dfl scx_bpf_select_cpu_dfl___ktstr
#define scx_bpf_task_cpu scx_bpf_task_cpu___ktstr
#define scx_bpf_test_and_clear_cpu_idle scx_bpf_test_and_clear_cpu_idle___ktstr

/* scx_bpf_error(fmt, args...) as in the sched_ext tools, on scx_bpf_error_bstr. */
#define ktstr_error(fmt, args...)						\
	({									\
		static char ___fmt[] = fmt;					\
		unsigned long long ___param[___bpf_narg(args)];			\
		_Pragma("GCC diagnostic push")					\
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")		\
		___bpf_fill(___param, args);					\
		_Pragma("GCC diagnostic pop")					\
		scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));		\
	})

/*
 * The kfuncs that some kernels lack, weak: the verifier removes the calls of
 * the one the kernel does not have.
 * 6.13 renamed 6.12's scx_bpf_dispatch, scx_bpf_dispatch_vtime and
 * scx_bpf_consume to scx_bpf_dsq_insert, scx_bpf_dsq_insert_vtime and
 * scx_bpf_dsq_move_to_local.
 */
void scx_bpf_dsq_insert___ktstr(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch___ktstr(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_insert_vtime___ktstr(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				      u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch_vtime___ktstr(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				    u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_to_local___ktstr(u64 dsq_id) __ksym __weak;
bool scx_bpf_consume___ktstr(u64 dsq_id) __ksym __weak;
bool scx_bpf_task_set_slice___ktstr(struct task_struct *p, u64 slice) __ksym __weak;
bool scx_bpf_task_set_dsq_vtime___ktstr(struct task_struct *p, u64 vtime) __ksym __weak;

#define scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags)					\
	(bpf_ksym_exists(scx_bpf_dsq_insert___ktstr) ?					\
	 scx_bpf_dsq_insert___ktstr((p), (dsq_id), (slice), (enq_flags)) :		\
	 scx_bpf_dispatch___ktstr((p), (dsq_id), (slice), (enq_flags)))

#define scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags)			\
	(bpf_ksym_exists(scx_bpf_dsq_insert_vtime___ktstr) ?				\
	 scx_bpf_dsq_insert_vtime___ktstr((p), (dsq_id), (slice), (vtime), (enq_flags)) :	\
	 scx_bpf_dispatch_vtime___ktstr((p), (dsq_id), (slice), (vtime), (enq_flags)))

#define scx_bpf_dsq_move_to_local(dsq_id)						\
	(bpf_ksym_exists(scx_bpf_dsq_move_to_local___ktstr) ?				\
	 scx_bpf_dsq_move_to_local___ktstr(dsq_id) : scx_bpf_consume___ktstr(dsq_id))

/* 7.2 warns about direct writes to p->scx; older kernels lack the kfunc. */
static void set_slice(struct task_struct *p, u64 slice)
{
	if (bpf_ksym_exists(scx_bpf_task_set_slice___ktstr))
		scx_bpf_task_set_slice___ktstr(p, slice);
	else
		p->scx.slice = slice;
}

/* 7.2 warns about direct writes to dsq_vtime; older kernels lack the kfunc. */
static void set_vtime(struct task_struct *p, u64 vtime)
{
	if (bpf_ksym_exists(scx_bpf_task_set_dsq_vtime___ktstr))
		scx_bpf_task_set_dsq_vtime___ktstr(p, vtime);
	else
		p->scx.dsq_vtime = vtime;
}

#endif
