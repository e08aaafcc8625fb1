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

/* 7.2 warns about direct writes to p->scx; older kernels lack the kfunc. */
static void set_slice(struct task_struct *p, u64 slice)
{
	if (bpf_ksym_exists(scx_bpf_task_set_slice))
		scx_bpf_task_set_slice(p, slice);
	else
		p->scx.slice = slice;
}

/* 7.2 warns about direct writes to dsq_vtime; older kernels lack the kfunc. */
static void set_vtime(struct task_struct *p, u64 vtime)
{
	if (bpf_ksym_exists(scx_bpf_task_set_dsq_vtime))
		scx_bpf_task_set_dsq_vtime(p, vtime);
	else
		p->scx.dsq_vtime = vtime;
}

#endif
