#include <string.h>

#include "scxexit.h"

const char *scx_exit_kind_of(const char *reason)
{
	static const struct { const char *reason, *kind; } kinds[] = {
		{ "unregistered from user space", "UNREG" },
		{ "unregistered from BPF", "UNREG_BPF" },
		{ "unregistered from the main kernel", "UNREG_KERN" },
		{ "disabled by sysrq-S", "SYSRQ" },
		{ "runtime error", "ERROR" },
		{ "scx_bpf_error", "ERROR_BPF" },
		{ "runnable task stall", "ERROR_STALL" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(reason, kinds[i].reason))
			return kinds[i].kind;
	return "UNKNOWN";
}
