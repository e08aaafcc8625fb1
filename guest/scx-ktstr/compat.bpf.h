/*
 * What the sched_ext tools' headers give a scheduler, for kernels from 6.12
 * on: scx_bpf_error() and the task field setters, each on the kfunc the
 * running kernel has.
 */
#ifndef KTSTR_COMPAT_BPF_H
#define KTSTR_COMPAT_BPF_H

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
 * The kfuncs that some kernels lack, each under a name of its own: this file
 * is compiled against each kernel's vmlinux.h, which declares only that
 * kernel's kfuncs. libbpf drops the ___ktstr suffix when it resolves them, and
 * the verifier removes the calls of the one the kernel does not have.
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
