/* sched_ext's exit reasons, as the kernel words them in its log. */
#ifndef KTSTR_SCXEXIT_H
#define KTSTR_SCXEXIT_H

/* "runnable task stall" -> "ERROR_STALL"; "UNKNOWN" for anything else. */
const char *scx_exit_kind_of(const char *reason);

#endif
