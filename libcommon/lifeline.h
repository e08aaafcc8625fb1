/* A pipeline stage that dies with the script that started it. */
#ifndef KTSTR_LIFELINE_H
#define KTSTR_LIFELINE_H

#include <stdbool.h>

/*
 * When $KTSTR_PARENT_PID names this process's parent (ktstr's scripts export their own pid to
 * the stages they start), take SIGTERM when that parent dies, even by kill -9: the stages after
 * ktstr-boot go, and ktstr-boot, whose reader is then gone, stops its VMs. Anywhere else (a
 * stage run by hand, or from a program whose threads come and go) it does nothing.
 */
void lifeline_to_parent(void);

/*
 * For a stage that may not be the script's child (ktstr-boot inside `{ ...; }`): a pidfd of
 * the process $KTSTR_PARENT_PID names, readable once it has exited; -1 when unset or gone.
 */
int lifeline_pidfd(void);

/* That process has exited (pidfd from lifeline_pidfd; false for -1). */
bool lifeline_gone(int pidfd);

#endif
