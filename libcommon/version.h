/* ktstr's one version string (the Makefile's VERSION). */
#ifndef KTSTR_VERSION_H
#define KTSTR_VERSION_H

extern const char ktstr_version[];
/* `TOOL --version` as the only argument: print "TOOL VERSION" and exit 0. */
void version_option(int argc, char **argv);

#endif
