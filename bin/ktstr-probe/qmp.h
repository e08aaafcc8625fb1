/* A QEMU Machine Protocol client just big enough to press keys in the guest. */
#ifndef KTSTR_PROBE_QMP_H
#define KTSTR_PROBE_QMP_H

#include <stddef.h>

/* How long qmp_sysrq waits for QEMU at each exchange. */
#define QMP_TIMEOUT_MS 5000

/*
 * Press alt+sysrq+key on the guest's keyboard through the QMP socket at
 * sock_path (the `vm` started record's "qmp"): connect, negotiate
 * capabilities, send-key. key is a letter or a digit; an upper-case letter is
 * pressed with shift (SysRq-D, the sched_ext dump, is shift+d). 0 on success,
 * -1 with a one-line message in err.
 */
int qmp_sysrq(const char *sock_path, char key, char *err, size_t errlen);

#endif
