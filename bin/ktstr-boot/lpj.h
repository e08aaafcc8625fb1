/* The kernel's loops_per_jiffy for a TCG guest, from the host's TSC rate. */
#ifndef KTSTR_BOOT_LPJ_H
#define KTSTR_BOOT_LPJ_H

/*
 * TSC kHz * 1000 / CONFIG_HZ (HZ read from kernel_config); 0 when unknown (no config,
 * no HZ in it, not an x86-64 host). The TSC is measured once per process (10 ms).
 */
unsigned long long lpj_for_tcg(const char *kernel_config);

#endif
