/* ktstr-repro's loader: what its parts share. */
#ifndef KTSTR_REPRO_TRACER_H
#define KTSTR_REPRO_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "repro.h"

struct btf;
struct bpf_object;
struct bpf_link;

/* How an argument is shown (btfargs.c). */
enum arg_kind {
	ARG_SKIP,		/* a pointer we do not follow */
	ARG_TASK,		/* struct task_struct *: the event's task */
	ARG_RQ,			/* struct rq *: its CPU */
	ARG_MASK,		/* const struct cpumask *: CPUs 0-63 */
	ARG_BOOL,
	ARG_SIGNED,
	ARG_UNSIGNED,
	ARG_ENQ_FLAGS,		/* enum scx_enq_flags bits */
	ARG_DEQ_FLAGS,		/* enum scx_deq_flags bits */
	ARG_WAKE_FLAGS,		/* enum scx_wake_flags bits */
};

struct arg_desc {
	char name[32];
	enum arg_kind kind;
	unsigned size;		/* bytes of an integer */
};

/* One traced function: a struct_ops callback (fentry) or a kernel function (kprobe). */
struct traced {
	char name[64];		/* the callback ("enqueue") or kernel function */
	char prog[64];		/* the BPF program behind a callback */
	bool fentry;
	bool attached;
	unsigned nargs;
	struct arg_desc args[REPRO_MAX_ARGS];
};

struct tracer {
	struct btf *vmlinux;
	struct bpf_object *kobj, *fobj;	/* kprobes + exit trigger; fentry on callbacks */
	struct bpf_link *links[REPRO_MAX_FUNCS + 2];	/* and the exit trigger, the loader hold */
	unsigned nlinks;
	struct traced funcs[REPRO_MAX_FUNCS];	/* by func index (kprobes first) */
	json_t *failed;		/* [{function, error}] */
	bool trigger;		/* the scx_vexit exit trigger is attached */
	bool hold;		/* loaders are held before they attach (on_ops_update) */
	bool callbacks;		/* fentry programs are on the callbacks */
	struct repro_offsets off;	/* of the kernel's fields, for both objects */
	int handler;		/* libbpf's id of the ktstr_fentry section handler */
	int fe_fd[REPRO_MAX_FENTRY];	/* fentry k's target program, until load */
	__u32 fe_btf_id[REPRO_MAX_FENTRY];	/* and its function in that program's BTF */
	struct repro_event *ring;	/* mmap'd ring map */
	struct repro_state *state;	/* mmap'd state map */
	size_t ring_len;
};

/* tracer.c */
/* Load and attach kprobes on the kernel functions and the exit trigger. -1 with a message. */
int tracer_start(struct tracer *t, char **functions, unsigned n);
/*
 * fentry on each callback of a sched_ext scheduler: the one in struct_ops map
 * map_id, else the attached one. 0 or -1 with a message.
 */
int tracer_attach_callbacks(struct tracer *t, __u32 map_id);
/*
 * Calls the kernel did not let a program of ours see: one of its kind was
 * running on that CPU already (a kprobe inside another BPF program, say).
 */
__u64 tracer_missed(const struct tracer *t);
/* Stop recording (idempotent). */
void tracer_freeze(struct tracer *t);
void tracer_close(struct tracer *t);

/* targets.c: the struct_ops programs of a sched_ext scheduler: in map map_id, else named ops. */
struct callback_prog {
	char member[64];	/* sched_ext_ops member: "enqueue" */
	char func[128];		/* the program's BTF function name: "ktstr_enqueue" */
	__u32 btf_id;		/* that function in the program's BTF */
	int fd;
};
/* Fills out (at most max); the number found, or -1 with errno. */
int find_callbacks(const struct btf *vmlinux, __u32 map_id, const char *ops, struct callback_prog *out,
		   unsigned max);

/* offsets.c */
void offsets_of(const struct btf *vmlinux, struct repro_offsets *o);

/* btfargs.c */
/* The arguments of kernel function fn (a FUNC in vmlinux BTF); false if it has none there. */
bool args_of_function(const struct btf *vmlinux, const char *fn, struct traced *tr);
/* The arguments of sched_ext_ops callback member. */
bool args_of_callback(const struct btf *vmlinux, const char *member, struct traced *tr);
void func_cfg_of(const struct traced *tr, struct repro_func_cfg *cfg);

/* decode.c: values by the running kernel's own names (its BTF). */
/* Bits of enum ename (members prefixed prefix) as "WAKEUP|HEAD", "0" for none. */
void decode_bits(const struct btf *vmlinux, const char *ename, const char *prefix, uint64_t v,
		 char *buf, size_t len);
void decode_dsq(const struct btf *vmlinux, uint64_t id, char *buf, size_t len);
void decode_scx_flags(const struct btf *vmlinux, uint32_t flags, char *buf, size_t len);
/* "ERROR_BPF" for 1025, "UNKNOWN" if the kernel has no name for it. */
void decode_exit_kind(const struct btf *vmlinux, int kind, char *buf, size_t len);
/* CPUs 0-63 of a mask as a list: "0-3,6". */
void decode_cpus(uint64_t mask, char *buf, size_t len);

/* report.c */
struct report_opts {
	int first_pid;		/* the first run's task, or -1 */
	const char *first_comm;
	unsigned max_events;
	bool asked;		/* frozen at ktstr-init's request, not by the trigger */
};
/* The repro record of the frozen ring. */
json_t *report_build(struct tracer *t, const struct report_opts *o);

#endif
